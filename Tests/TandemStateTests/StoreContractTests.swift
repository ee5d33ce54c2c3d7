import Foundation
import Synchronization
import TandemState
import TandemTestSupport
import Testing

/// The contract of ``RevisionedDocumentStore`` and ``NamedStateLock``, checked the same way
/// for every backend: the file backend, and a backend kept in memory that exists to show the
/// protocols are enough to write one (and that the checks catch one that breaks the rules).
@Suite("Every backend keeps the store and lock contract")
struct StoreContractTests {
  /// The file backend's home; removed when the test ends (one suite value per test).
  let directory = TemporaryDirectory()

  /// The backends under test, each on fresh state.
  func backends() -> [(String, any StateBackend)] {
    [
      ("file", FileBackend(home: StateHome(path: directory.appending("home"), tool: .tandem))),
      ("memory", MemoryBackend()),
    ]
  }

  @Test("a document never written reads as empty at revision 0; each update is the next revision")
  func revisions() throws {
    for (name, backend) in backends() {
      try StoreContract.checkRevisions(backend, name)
    }
  }

  @Test("the keys an update sets are recorded as written by its intent's instance, the others keep theirs")
  func provenance() throws {
    for (name, backend) in backends() { try StoreContract.checkProvenance(backend, name) }
  }

  @Test("a stale expected revision is refused and nothing is written")
  func staleRevision() throws {
    for (name, backend) in backends() { try StoreContract.checkStale(backend, name) }
  }

  @Test("concurrent writers lose no update")
  func noLostUpdates() async throws {
    for (name, backend) in backends() { try await StoreContract.checkNoLostUpdates(backend, name) }
  }

  @Test("a writer that cannot get in within its timeout is refused with lock_timeout")
  func lockTimeout() throws {
    for (name, backend) in backends() { try StoreContract.checkLockTimeout(backend, name) }
  }

  @Test("the document's held lock keeps writers out until released; a dry run sees the next revision")
  func documentLock() throws {
    for (name, backend) in backends() { try StoreContract.checkDocumentLock(backend, name) }
  }

  @Test("a cancelled wait for a named lock ends at once with CANCELLED")
  func cancelledWait() async throws {
    for (name, backend) in backends() { try await StoreContract.checkCancelled(backend, name) }
  }

}

/// A backend kept in memory, for one process: the smallest thing that keeps the contract,
/// written against the public protocols only.
final class MemoryBackend: StateBackend, @unchecked Sendable {
  struct State {
    var documents: [String: ConfigDocument] = [:]
    var highest: [String: UInt64] = [:]
    var holders: Set<String> = []
  }
  let state = Mutex(State())

  func store(_ namespace: Namespace, document name: String) -> MemoryStore {
    MemoryStore(backend: self, namespace: namespace, key: "\(namespace)/\(name)")
  }

  func lock(named name: String) throws(StateError) -> MemoryLock { MemoryLock(backend: self, name: name) }

  /// Takes `key` for one holder, polling until `timeout`; `nil` when it stayed busy.
  func take(_ key: String, timeout: LockTimeout) -> Duration? {
    let clock = ContinuousClock()
    let start = clock.now
    while true {
      if state.withLock({ $0.holders.insert(key).inserted }) { return clock.now - start }
      if clock.now - start >= .milliseconds(timeout.milliseconds) { return nil }
      usleep(1000)
    }
  }

  func give(_ key: String) { _ = state.withLock { $0.holders.remove(key) } }

  static func timeout(_ path: String) -> StateError {
    var error = StateError(.concurrentModification, "\(path) is locked", path: path)
    error.conflictReason = .lockTimeout
    error.retryAfterMilliseconds = 10
    return error
  }
}

struct MemoryStore: RevisionedDocumentStore {
  let backend: MemoryBackend
  let namespace: Namespace
  let key: String
  var path: String { "memory:\(key)" }

  func read() throws(StateError) -> ConfigDocument {
    backend.state.withLock { $0.documents[key] } ?? ConfigDocument()
  }

  func update<Result>(
    timeout: LockTimeout, ifRevision expectedRevision: UInt64?, intent: LockIntent?,
    _ body: (inout ConfigDocument) throws -> Result
  ) throws -> ConfigUpdate<Result> {
    guard let waited = backend.take("doc:" + key, timeout: timeout) else { throw MemoryBackend.timeout(path) }
    defer { backend.give("doc:" + key) }
    let current = try read()
    if let expectedRevision, expectedRevision != current.revision {
      var error = StateError(.concurrentModification, "\(path) moved on", path: path)
      error.conflictReason = .revisionMismatch
      throw error
    }
    var changed = current
    let result = try body(&changed)
    let next = backend.state.withLock { state -> UInt64 in
      let revision = max(state.highest[key] ?? 0, current.revision) + 1
      state.highest[key] = revision
      return revision
    }
    let committed = changed.committed(
      at: next, updatedAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), writer: intent?.instanceID)
    backend.state.withLock { $0.documents[key] = committed }
    return ConfigUpdate(
      result: result, document: committed, previousRevision: current.revision,
      changed: !committed.hasSameValues(as: current), waited: waited)
  }

  func repair(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> RepairOutcome {
    RepairOutcome(path: path, movedTo: nil, reason: nil)
  }

  func lockStatus() throws(StateError) -> LockStatus {
    let held = backend.state.withLock { $0.holders.contains("doc:" + key) }
    return LockStatus(path: path, isHeld: held, holder: nil, typicalHoldMicroseconds: 0)
  }

  func acquireLock(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> MemoryLock.Held {
    guard let waited = backend.take("doc:" + key, timeout: timeout) else { throw MemoryBackend.timeout(path) }
    return MemoryLock.Held(backend: backend, key: "doc:" + key, waited: waited)
  }

  func previewUpdate(ifRevision expectedRevision: UInt64?) throws(StateError) -> UpdatePreview {
    let current = try read()
    if let expectedRevision, expectedRevision != current.revision {
      var error = StateError(.concurrentModification, "\(path) moved on", path: path)
      error.conflictReason = .revisionMismatch
      throw error
    }
    let highest = backend.state.withLock { $0.highest[key] ?? 0 }
    return UpdatePreview(document: current, nextRevision: max(highest, current.revision) + 1)
  }

  func previewRepair() throws(StateError) -> RepairOutcome {
    RepairOutcome(path: path, movedTo: nil, reason: nil)
  }
}

struct MemoryLock: NamedStateLock {
  let backend: MemoryBackend
  let name: String

  final class Held: HeldStateLock, @unchecked Sendable {
    let backend: MemoryBackend
    let key: String
    let waited: Duration
    var path: String { "memory:\(key)" }
    private let released = Mutex(false)
    init(backend: MemoryBackend, key: String, waited: Duration) {
      self.backend = backend
      self.key = key
      self.waited = waited
    }
    func release() {
      guard
        !released.withLock({
          let was = $0; $0 = true; return was
        })
      else { return }
      backend.give(key)
    }
  }

  func acquire(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> Held {
    guard let waited = backend.take("lock:" + name, timeout: timeout) else {
      throw MemoryBackend.timeout("memory:lock:\(name)")
    }
    return Held(backend: backend, key: "lock:" + name, waited: waited)
  }

  func acquire(timeout: LockTimeout, intent: LockIntent) async throws(StateError) -> Held {
    let clock = ContinuousClock()
    let start = clock.now
    while true {
      if backend.state.withLock({ $0.holders.insert("lock:" + name).inserted }) {
        return Held(backend: backend, key: "lock:" + name, waited: clock.now - start)
      }
      if clock.now - start >= .milliseconds(timeout.milliseconds) {
        throw MemoryBackend.timeout("memory:lock:\(name)")
      }
      do {
        try await Task.sleep(for: .milliseconds(1))
      } catch {
        throw StateError(.cancelled, "the wait for lock \(name) was cancelled; nothing was taken")
      }
    }
  }

  func status() throws(StateError) -> LockStatus {
    let held = backend.state.withLock { $0.holders.contains("lock:" + name) }
    return LockStatus(path: "memory:lock:\(name)", isHeld: held, holder: nil, typicalHoldMicroseconds: 0)
  }
}
