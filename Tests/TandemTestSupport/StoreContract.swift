import Foundation
public import TandemState
import Testing

/// The contract of ``RevisionedDocumentStore`` and ``NamedStateLock`` as checks any backend
/// can be run through: the file and memory backends (TandemStateTests) and PostgreSQL
/// (TandemPostgresTests) run these same functions, so that a guarantee checked for one store
/// is checked for every store. `name` labels the failures.
public enum StoreContract {
  public static func checkRevisions<Backend: StateBackend>(_ backend: Backend, _ name: String) throws {
    let store = backend.store(.shared)
    #expect(try store.read().revision == 0, "\(name)")
    #expect(try store.read().count == 0, "\(name)")
    let first = try store.update(timeout: .seconds(5), ifRevision: nil, intent: nil) { document -> Int in
      document.set([(key: "a", value: "1")])
      return 7
    }
    #expect(first.result == 7 && first.document.revision == 1 && first.previousRevision == 0, "\(name)")
    let second = try store.update(timeout: .seconds(5), ifRevision: 1, intent: nil) {
      $0.set([(key: "b", value: "2")])
    }
    #expect(second.document.revision == 2, "\(name)")
    #expect(try store.read()["a"] == "1" && store.read()["b"] == "2", "\(name)")
  }

  public static func checkProvenance<Backend: StateBackend>(_ backend: Backend, _ name: String) throws {
    let store = backend.store(.shared)
    let agent = LockIntent(instanceID: "agent-1", command: "test")
    try store.update(timeout: .seconds(5), ifRevision: nil, intent: agent) {
      $0.set([(key: "a", value: "1")])
    }
    try store.update(timeout: .seconds(5), ifRevision: nil, intent: nil) { $0.set([(key: "b", value: "2")]) }
    let document = try store.read()
    #expect(document.entry("a")?.provenance?.instanceID == "agent-1", "\(name)")
    let anonymous = try #require(document.entry("b")?.provenance, "\(name)")
    #expect(anonymous.instanceID == nil, "\(name)")
    #expect(
      try #require(document.entry("a")?.provenance).writtenAtMilliseconds <= anonymous.writtenAtMilliseconds,
      "\(name)")
  }

  public static func checkStale<Backend: StateBackend>(_ backend: Backend, _ name: String) throws {
    let store = backend.store(.instance(try InstanceID("agent-1")))
    try store.update(timeout: .seconds(5), ifRevision: nil, intent: nil) { $0.set([(key: "k", value: "v1")]) }
    let error = try #require(throws: StateError.self) {
      try store.update(timeout: .seconds(5), ifRevision: 0, intent: nil) {
        $0.set([(key: "k", value: "late")])
      }
    }
    #expect(error.code == .concurrentModification && error.conflictReason == .revisionMismatch, "\(name)")
    #expect(try store.read()["k"] == "v1" && store.read().revision == 1, "\(name)")
  }

  public static func checkNoLostUpdates<Backend: StateBackend>(_ backend: Backend, _ name: String)
    async throws
  {
    let store = backend.store(.shared)
    let writers = 8
    let rounds = 10
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<writers {
        group.addTask {
          for _ in 0..<rounds {
            try store.update(timeout: .seconds(30), ifRevision: nil, intent: nil) { document in
              let count = Int(document["n"] ?? "0")! + 1
              document.set([(key: "n", value: String(count))])
            }
          }
        }
      }
      try await group.waitForAll()
    }
    #expect(try store.read()["n"] == String(writers * rounds), "\(name)")
    #expect(try store.read().revision == UInt64(writers * rounds), "\(name)")
  }

  public static func checkLockTimeout<Backend: StateBackend>(_ backend: Backend, _ name: String) throws {
    let lock = try backend.lock(named: "deploy")
    let held = try lock.acquire(timeout: .seconds(5), intent: LockIntent(instanceID: nil, command: "deploy"))
    #expect(try lock.status().isHeld, "\(name)")
    // Another holder (another thread: the file backend's locks are per open file, so a
    // second acquisition outside the holder's scope waits like another process).
    let error = try #require(throws: StateError.self) {
      _ = try lock.acquire(
        timeout: LockTimeout(milliseconds: 0), intent: LockIntent(instanceID: nil, command: "x"))
    }
    #expect(error.code == .concurrentModification && error.conflictReason == .lockTimeout, "\(name)")
    held.release()
    let again = try lock.acquire(timeout: .seconds(5), intent: LockIntent(instanceID: nil, command: "deploy"))
    again.release()
    #expect(try !lock.status().isHeld, "\(name)")
  }

  public static func checkDocumentLock<Backend: StateBackend>(_ backend: Backend, _ name: String) throws {
    let store = backend.store(.instance(try InstanceID("agent-2")))
    try store.update(timeout: .seconds(5), ifRevision: nil, intent: nil) { $0.set([(key: "k", value: "1")]) }
    let preview = try store.previewUpdate(ifRevision: 1)
    #expect(preview.document["k"] == "1" && preview.nextRevision == 2, "\(name)")
    let stale = try #require(throws: StateError.self) { try store.previewUpdate(ifRevision: 0) }
    #expect(stale.code == .concurrentModification && stale.conflictReason == .revisionMismatch, "\(name)")
    #expect(try store.previewRepair().movedTo == nil, "\(name)")

    let held = try store.acquireLock(
      timeout: .seconds(5), intent: LockIntent(instanceID: nil, command: "hold"))
    #expect(try store.lockStatus().isHeld, "\(name)")
    #expect(!held.path.isEmpty, "\(name)")
    // Another writer (another handle: outside the holder's scope it waits like another process).
    let blocked = try #require(throws: StateError.self) {
      try store.update(timeout: LockTimeout(milliseconds: 0), ifRevision: nil, intent: nil) {
        $0.set([(key: "k", value: "2")])
      }
    }
    #expect(blocked.code == .concurrentModification && blocked.conflictReason == .lockTimeout, "\(name)")
    #expect(try store.read()["k"] == "1", "\(name)")
    held.release()
    // Waits, if the backend frees the lock a moment after the release returns (a database
    // session ending).
    let update = try store.update(timeout: .seconds(5), ifRevision: 1, intent: nil) {
      $0.set([(key: "k", value: "2")])
    }
    #expect(update.document.revision == preview.nextRevision && update.document["k"] == "2", "\(name)")
    #expect(try !store.lockStatus().isHeld, "\(name)")
  }

  public static func checkCancelled<Backend: StateBackend>(_ backend: Backend, _ name: String) async throws {
    let lock = try backend.lock(named: "busy")
    let held = try await lock.acquire(
      timeout: .seconds(5), intent: LockIntent(instanceID: nil, command: "holder"))
    defer { held.release() }
    // A timeout no starved test run outlasts: only the cancellation can end this wait.
    let wait = await CancelledWait.run(on: executor, cancelAfter: .milliseconds(100)) {
      let got = try await lock.acquire(
        timeout: .seconds(600), intent: LockIntent(instanceID: nil, command: "waiter"))
      got.release()
    }
    #expect(wait.reaction < .seconds(2), "\(name): the cancelled wait took \(wait.reaction)")
    #expect(
      wait.error?.code == .cancelled,
      "\(name): \(String(describing: wait.error)) \(wait.otherError ?? ""), cancelled after \(wait.waitedBeforeCancel)"
    )
  }

  /// Waiting tasks run on a thread of their own: under the parallel test suite the
  /// cooperative pool can be starved for seconds, which would time the pool, not the wait.
  static let executor = ThreadExecutor()
}
