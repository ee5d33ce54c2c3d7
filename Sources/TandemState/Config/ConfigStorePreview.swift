internal import SystemPlatform

/// What a write to a document would start from, found without a lock and without creating
/// anything: the answer of ``ConfigStore/previewUpdate(ifRevision:)``.
public struct UpdatePreview: Sendable {
  /// The document as it is now.
  public let document: ConfigDocument
  /// The revision a write committed now would give it.
  public let nextRevision: UInt64

  /// A preview, for backends other than the file store.
  public init(document: ConfigDocument, nextRevision: UInt64) {
    self.document = document
    self.nextRevision = nextRevision
  }
}

extension ConfigStore {
  /// What ``update(timeout:ifRevision:intent:_:)`` would start from if it ran now: the
  /// current document and the revision the write would get, with the same refusals (an
  /// impossible or outdated expected revision, a corrupt document, a document whose
  /// revisions ran out). Takes no lock and creates nothing, not even the lock file: a dry
  /// run. A writer may commit before the real write, which then starts from its document.
  public func previewUpdate(ifRevision expectedRevision: UInt64? = nil) throws(StateError) -> UpdatePreview {
    try Self.checkExpected(expectedRevision)
    let directory = try home.openDirectory(namespace.components, create: false)
    let document =
      try directory.map { directory throws(StateError) in try read(in: directory) } ?? ConfigDocument()
    if let expectedRevision, expectedRevision != document.revision {
      throw StateError.revisionMismatch(
        path: path, namespace: namespace, expected: expectedRevision, current: document.revision)
    }
    let history = directory.map(recordedRevision(in:)) ?? 0
    return UpdatePreview(
      document: document,
      nextRevision: try nextRevision(after: document.revision, historicalRevision: history))
  }

  /// What ``repair(timeout:intent:)`` would do if it ran now, taking no lock and changing
  /// nothing: the corrupt (or exhausted) document and where it would be moved, or no move
  /// when the document is fine. The name it would be moved to ends with the current time in
  /// milliseconds; a real repair later names it by its own time.
  public func previewRepair() throws(StateError) -> RepairOutcome {
    guard let directory = try home.openDirectory(namespace.components, create: false),
      let found = try repairReason(in: directory, historicalRevision: recordedRevision(in: directory))
    else {
      return RepairOutcome(path: path, movedTo: nil, reason: nil)
    }
    let movedTo = directory.status(fileName) == nil ? nil : directory.displayPath(asideName())
    return RepairOutcome(path: path, movedTo: movedTo, reason: found.reason)
  }

  /// Why the document in `directory` must be moved aside (it is corrupt, or its revisions
  /// ran out), or `nil` when it is fine. `exhausted` tells the second case, after which the
  /// lock's history starts again.
  func repairReason(in directory: DirectoryHandle, historicalRevision: UInt64) throws(StateError)
    -> (reason: String, exhausted: Bool)?
  {
    do {
      let document = try read(in: directory)
      guard max(document.revision, historicalRevision) >= UInt64(Int64.max) else { return nil }
      return ("\(path) has used up its revisions", true)
    } catch let error where error.code == .stateCorrupt || error.code == .unsafeStatePath {
      return (error.message, false)
    }
  }

  /// The name a repair moves the document to now: `config.json.corrupt-MILLISECONDS`.
  func asideName() -> String {
    fileName + ".corrupt-" + String(SystemClock.wallMilliseconds())
  }

  /// The revision of the next write, given the document's revision and the highest this
  /// document ever had (its lock file's record): one above both, and above what a removed
  /// namespace of the same instance id had, so that no revision ever names two different
  /// documents. Throws ``StateError/Code/stateCorrupt`` when no revision is left.
  func nextRevision(after documentRevision: UInt64, historicalRevision: UInt64) throws(StateError) -> UInt64 {
    var base = max(documentRevision, historicalRevision)
    if base == 0, let id = namespace.instanceID {
      base = RetiredRevisions.read(id, home: home)[fileName] ?? 0
    }
    guard base < UInt64(Int64.max) else {
      var error = StateError(
        .stateCorrupt,
        "\(path) is at revision \(base), the highest a document can have, so no write can raise it; "
          + "it was left untouched",
        path: path)
      error.fixRequired = "move the document aside (repair it) or restore it from a backup"
      error.remedy = .repairDocument(namespace, fileName: fileName)
      throw error
    }
    return base + 1
  }

  /// The highest revision recorded in the lock file's record, read without locking or
  /// creating it (0 when there is none).
  private func recordedRevision(in directory: DirectoryHandle) -> UInt64 {
    guard
      let fd = try? SystemCall.open(
        lockFileName, in: directory.fd, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    else { return 0 }
    defer { SystemCall.release(fd) }
    return LockRecord.read(from: fd)?.revision ?? 0
  }
}
