internal import SystemPlatform

/// The configuration document of one namespace, read without a lock and changed only in
/// locked transactions.
///
/// ```swift
/// let store = ConfigStore(home: home, namespace: .instance(try InstanceID("agent-1")))
/// try store.update(timeout: .default) { document in
///   document["region"] = "us-east-1"
/// }
/// ```
///
/// Reads take no lock: writes replace the file atomically, so a reader always sees a whole
/// document. A write takes the namespace's lock, reads the document again under it, applies
/// the change, and lands it with an atomic, durable replace. Two writers therefore never
/// lose each other's changes, and with `ifRevision` a writer that read an older revision is
/// refused instead of overwriting what it never saw.
public struct ConfigStore: Sendable {
  /// The state home.
  public let home: StateHome
  /// The namespace whose document this store reads and writes.
  public let namespace: Namespace

  /// The configuration document's file name inside its namespace directory.
  public static let fileName = "config.json"
  /// The lock file beside it.
  public static let lockFileName = "config.json.lock"

  /// This store's file name (``fileName`` unless another document was named).
  public let fileName: String
  /// This store's lock file name: the file name plus `.lock`.
  public var lockFileName: String { fileName + ".lock" }

  /// A store for `namespace` under `home`. `fileName` names another document of the same
  /// format in the namespace directory, such as `auth.json`.
  public init(home: StateHome, namespace: Namespace = .shared, fileName: String = ConfigStore.fileName) {
    self.home = home
    self.namespace = namespace
    self.fileName = fileName
  }

  /// The document's path, for messages.
  public var path: String { home.displayPath(namespace.components + [fileName]) }

  /// The format tag of the documents, from the home's tool: `NAME.config/1`.
  var documentFormat: String {
    home.tool.documentFormat(ConfigDocument.formatKind, version: ConfigDocument.formatVersion)
  }

  /// The lock file's path, for messages.
  public var lockPath: String { home.displayPath(namespace.components + [lockFileName]) }

  /// Reads the current document without taking the lock. A namespace never written reads
  /// as an empty document at revision 0; a corrupt file throws
  /// ``StateError/Code/stateCorrupt`` and is left as it is.
  public func read() throws(StateError) -> ConfigDocument {
    guard let directory = try home.openDirectory(namespace.components, create: false) else {
      return ConfigDocument()
    }
    return try read(in: directory)
  }

  /// Runs `body` on the current document under the namespace lock and saves the result.
  ///
  /// - Parameters:
  ///   - timeout: how long to wait for the lock before throwing a conflict.
  ///   - expectedRevision: when set, the change applies only if the document is still at
  ///     this revision; otherwise ``StateError/Code/concurrentModification`` with reason
  ///     `revision_mismatch` is thrown and nothing is written.
  ///   - intent: what to tell processes that wait for the lock meanwhile. Its
  ///     ``LockIntent/instanceID`` is also recorded as the writer of every key `body` sets
  ///     (``ConfigProvenance``); without an intent, keys are recorded as written by none.
  ///   - body: the change. Throwing from it abandons the transaction; nothing is written.
  /// - Returns: what `body` returned, the saved document and whether the values changed.
  ///   Every applied transaction writes a new revision, even one that leaves the values as
  ///   they were: so of two writers holding the same expected revision, exactly one applies.
  ///
  /// Blocks the calling thread while it waits. Async code gets the suspending overload, even
  /// for a body that does not await.
  @_disfavoredOverload
  @discardableResult
  public func update<Result>(
    timeout: LockTimeout = .default,
    ifRevision expectedRevision: UInt64? = nil,
    intent: LockIntent? = nil,
    _ body: (inout ConfigDocument) throws -> Result
  ) throws -> ConfigUpdate<Result> {
    try Self.checkExpected(expectedRevision)
    let locked = try lock(timeout: timeout, intent: intent ?? Self.updateIntent)
    defer { locked.lock.release() }
    let current = try start(under: locked, expecting: expectedRevision)
    var changed = current
    // Inside the body the caller holds the lock: a nested update does not wait on itself.
    // (The scope opened directly: the generic `whileHolding` would cost start-up time.)
    let scope = LockScopes.enter(locked.lock.root, owner: .synchronousCaller)
    let result: Result
    do {
      defer { LockScopes.leave(scope) }
      result = try body(&changed)
    }
    return try commit(&changed, over: current, under: locked, writer: intent?.instanceID, result: result)
  }

  /// Runs `body` on the current document under the namespace lock and saves the result, as
  /// ``update(timeout:ifRevision:intent:_:)`` does, but suspends the task while the lock is
  /// busy instead of blocking a thread. A task cancelled while it waits stops waiting at once
  /// with ``StateError/Code/cancelled``, and nothing is written (<doc:UsingLocks>).
  ///
  /// Inside `body` the task holds the lock, whichever thread it resumes on; other tasks,
  /// child tasks included, wait for it.
  @discardableResult
  public func update<Result>(
    timeout: LockTimeout = .default,
    ifRevision expectedRevision: UInt64? = nil,
    intent: LockIntent? = nil,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (inout ConfigDocument) async throws -> Result
  ) async throws -> ConfigUpdate<Result> {
    try Self.checkExpected(expectedRevision)
    let locked = try await LockAcquisition.acquire(
      home: home, directory: namespace.components, name: lockFileName, timeout: timeout,
      intent: intent ?? Self.updateIntent)
    defer { locked.lock.release() }
    let current = try start(under: locked, expecting: expectedRevision)
    var changed = current
    let result = try await locked.lock.whileHolding { () async throws -> Result in try await body(&changed) }
    return try commit(&changed, over: current, under: locked, writer: intent?.instanceID, result: result)
  }

  private static var updateIntent: LockIntent { LockIntent(instanceID: nil, command: "config update") }

  /// Refuses an expected revision that no document can have.
  package static func checkExpected(_ expectedRevision: UInt64?) throws(StateError) {
    if let expectedRevision, expectedRevision > UInt64(Int64.max) {
      throw StateError(
        .invalidArgument,
        "revision \(expectedRevision) does not exist: revisions go from 0 to \(Int64.max); nothing was written"
      )
    }
  }

  /// The first step of a transaction with the lock held: the current document, checked
  /// against the expected revision.
  private func start(under locked: LockedDirectory, expecting expectedRevision: UInt64?) throws(StateError)
    -> ConfigDocument
  {
    let current = try read(in: locked.directory)
    if let expectedRevision, expectedRevision != current.revision {
      throw StateError.revisionMismatch(
        path: path, namespace: namespace, expected: expectedRevision, current: current.revision)
    }
    return current
  }

  /// The last step of a transaction: validates and saves `changed`, releases the lock and
  /// makes the write durable.
  private func commit<Result>(
    _ changed: inout ConfigDocument, over current: ConfigDocument, under locked: LockedDirectory,
    writer: String?, result: Result
  ) throws(StateError) -> ConfigUpdate<Result> {
    changed.revision = try nextRevision(after: current, under: locked.lock)
    let now = SystemClock.wallMilliseconds()
    changed.updatedAtMilliseconds = now
    changed.recordWrites(as: WriteStamp(recording: writer, at: now))
    let changedEntries = try changed.validateChanges(since: current, path: path)
    let bytes = changed.encode(format: documentFormat)
    guard bytes.count <= StateLimits.maximumDocumentBytes else {
      throw StateError(
        .limitExceeded,
        "the document would be \(bytes.count) bytes; the limit is \(StateLimits.maximumDocumentBytes) bytes",
        path: path)
    }
    // The replaced document stays open across the rename, so that freeing its blocks (when
    // its last link and its last descriptor are gone) happens at this close, after the lock
    // is released, instead of inside the rename: 1.2 to 1.9 ms on ext4, a third of the
    // critical section (docs/benchmarks.md, "The critical section").
    // A document that cannot be opened (there is none yet) has no blocks to hold.
    let replaced = try? SystemCall.open(
      fileName, in: locked.directory.fd, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    defer { if let replaced { SystemCall.release(replaced) } }
    try locked.commit(bytes, as: fileName, synchronizeDirectory: false)
    locked.lock.noteCommitted(revision: changed.revision)
    // The rename is made durable after the lock is released, so that the next writer's
    // critical section overlaps this flush, and before returning, so that nothing is
    // acknowledged that a power loss could undo. A writer that took the lock meanwhile read
    // this document and builds on it: if its rename reaches the disk, this change does too
    // (docs/benchmarks.md, "The critical section").
    locked.lock.release()
    try locked.directory.synchronize()
    return ConfigUpdate(
      result: result, document: changed, previousRevision: current.revision,
      // Same count and nothing new or different: the same values (one pass, done above).
      changed: !changedEntries.isEmpty || changed.count != current.count,
      waited: .milliseconds(locked.lock.waitedMilliseconds))
  }

  /// Holds this namespace's lock until the returned lock is released: every write to the
  /// document waits meanwhile. Used to run another tool while the configuration is frozen.
  public func acquireLock(timeout: LockTimeout = .default, intent: LockIntent) throws(StateError) -> FileLock
  {
    try lock(timeout: timeout, intent: intent).lock
  }

  /// Holds this namespace's lock until the returned lock is released, as
  /// ``acquireLock(timeout:intent:)`` does, suspending the task while it waits; a cancelled
  /// wait throws ``StateError/Code/cancelled`` at once, holding nothing.
  public func acquireLock(timeout: LockTimeout = .default, intent: LockIntent) async throws(StateError)
    -> FileLock
  {
    try await LockAcquisition.acquire(
      home: home, directory: namespace.components, name: lockFileName, timeout: timeout, intent: intent
    ).lock
  }

  /// Who holds this namespace's lock, read without taking it.
  public func lockStatus() throws(StateError) -> LockStatus {
    try LockStatus.read(home: home, directory: namespace.components, name: lockFileName)
  }

  /// Moves a corrupt document aside (to `config.json.corrupt-TIMESTAMP`) so that the
  /// namespace starts again from an empty document. A valid document is left alone. Nothing
  /// is ever deleted. The next write continues above the highest revision the namespace
  /// had (kept in the lock file), so an old revision never matches the new document; only
  /// a document whose revisions ran out (9223372036854775807) starts again from 1.
  public func repair(timeout: LockTimeout = .default, intent: LockIntent) throws(StateError) -> RepairOutcome
  {
    guard try home.openDirectory(namespace.components, create: false) != nil else {
      return RepairOutcome(path: path, movedTo: nil, reason: nil)
    }
    let locked = try lock(timeout: timeout, intent: intent)
    defer { locked.lock.release() }
    guard
      let found = try repairReason(in: locked.directory, historicalRevision: locked.lock.historicalRevision)
    else {
      return RepairOutcome(path: path, movedTo: nil, reason: nil)
    }
    if found.exhausted { locked.lock.resetHistory() }
    // Revisions run out in the lock file's record too: a document at the last revision
    // that was then deleted by hand leaves only the record, and resetting it was the repair.
    guard locked.directory.status(fileName) != nil else {
      return RepairOutcome(path: path, movedTo: nil, reason: found.reason)
    }
    let aside = asideName()
    try locked.directory.rename(fileName, to: aside, doing: "move aside")
    try locked.directory.synchronize()
    return RepairOutcome(path: path, movedTo: locked.directory.displayPath(aside), reason: found.reason)
  }

  /// The revision of the next write: one above the document's, and above every revision
  /// this document had before it was repaired, deleted or its namespace removed, so that no
  /// revision ever names two different documents. (A document that does not exist reads as
  /// revision 0, which `ifRevision: 0` matches: "only if there is none".)
  private func nextRevision(after current: ConfigDocument, under lock: FileLock) throws(StateError) -> UInt64
  {
    try nextRevision(after: current.revision, historicalRevision: lock.historicalRevision)
  }

  private func lock(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> LockedDirectory {
    try LockAcquisition.acquire(
      home: home, directory: namespace.components, name: lockFileName, timeout: timeout, intent: intent)
  }

  func read(in directory: DirectoryHandle) throws(StateError) -> ConfigDocument {
    let found: [UInt8]?
    do {
      found = try directory.readFile(fileName, limit: StateLimits.maximumDocumentBytes)
    } catch let error where error.code == .stateCorrupt {
      // A file over the size limit is corrupt like one that does not decode, and `config
      // repair` moves it aside the same way: say so, not only "move it aside".
      var oversized = error
      oversized.fixRequired = "move the corrupt file aside (repair it) or restore it from a backup"
      oversized.remedy = .repairDocument(namespace, fileName: fileName)
      throw oversized
    }
    guard let bytes = found else { return ConfigDocument() }
    do {
      return try ConfigDocument.decode(bytes, format: documentFormat)
    } catch {
      var corrupt = StateError(
        .stateCorrupt, "\(path) is corrupt: \(error.reason); it was left untouched", path: path)
      corrupt.fixRequired = "move the corrupt file aside (repair it) or restore it from a backup"
      corrupt.remedy = .repairDocument(namespace, fileName: fileName)
      throw corrupt
    }
  }
}

/// The outcome of ``ConfigStore/update(timeout:ifRevision:intent:_:)``.
public struct ConfigUpdate<Result> {
  /// What the transaction's body returned.
  public let result: Result
  /// The document as saved (or as it was, when nothing changed).
  public let document: ConfigDocument
  /// The revision the transaction started from.
  public let previousRevision: UInt64
  /// Whether the values differ from the previous revision's.
  public let changed: Bool
  /// How long the transaction waited for the lock.
  public let waited: Duration

  /// An outcome, for backends other than the file store.
  public init(
    result: Result, document: ConfigDocument, previousRevision: UInt64, changed: Bool, waited: Duration
  ) {
    self.result = result
    self.document = document
    self.previousRevision = previousRevision
    self.changed = changed
    self.waited = waited
  }
}

extension ConfigUpdate: Sendable where Result: Sendable {}

/// The outcome of ``ConfigStore/repair(timeout:intent:)``.
public struct RepairOutcome: Sendable {
  /// The document's path.
  public let path: String
  /// Where the corrupt file now is, or `nil` when there was nothing to move.
  public let movedTo: String?
  /// What was wrong with it, or `nil` when it was fine. With no ``movedTo``: the revisions
  /// had run out where no document was left to move (its lock file's record), and the
  /// history was started again.
  public let reason: String?

  /// An outcome, for backends other than the file store.
  public init(path: String, movedTo: String?, reason: String?) {
    self.path = path
    self.movedTo = movedTo
    self.reason = reason
  }
}
