import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

/// Re-entrancy belongs to the task inside a holding scope, not to a thread.
@Suite("Lock re-entrancy follows the task")
struct TaskReentrancyTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }
  var intent: LockIntent { LockIntent(instanceID: nil, command: "reentrancy test") }

  /// The thread this code runs on, away from the main actor: a thread of the cooperative pool.
  nonisolated static func poolThread() async -> UInt { UInt(pthread_self()) }

  /// Takes `lock` again with a zero timeout, away from the main actor, and says where.
  nonisolated static func takeAgain(_ lock: NamedLock, intent: LockIntent) async throws -> (UInt, Bool) {
    try await lock.withLock(timeout: LockTimeout(milliseconds: 0), intent: intent) { inner in
      (UInt(pthread_self()), inner.isNested)
    }
  }

  @Test("a task that resumes on another thread inside withLock can re-enter it")
  @MainActor func reentersAfterHop() async throws {
    let lock = try NamedLock(home: home, name: "hop")
    let (outerThread, innerThread, nested) = try await lock.withLock(intent: intent) { outer in
      #expect(!outer.isNested)
      let outerThread = UInt(pthread_self())
      // Off the main actor: the same task now runs on a pool thread. A zero timeout: a
      // wait on itself would fail at once instead of hanging.
      let (innerThread, nested) = try await Self.takeAgain(lock, intent: intent)
      return (outerThread, innerThread, nested)
    }
    #expect(outerThread != innerThread, "the nested acquisition ran on the main thread too")
    #expect(nested)
    // Released: another task takes it at once.
    try await Task.detached { try await lock.withLock(timeout: .seconds(5), intent: intent) { _ in } }.value
  }

  /// Takes `lock` again from synchronous code, with a zero timeout.
  static func takeAgainSynchronously(_ lock: NamedLock, intent: LockIntent) throws -> Bool {
    try lock.withLock(timeout: LockTimeout(milliseconds: 0), intent: intent) { inner in inner.isNested }
  }

  @Test("synchronous code that a holding task calls re-enters the task's lock")
  func synchronousInsideTask() async throws {
    let lock = try NamedLock(home: home, name: "mixed")
    let nested = try await lock.withLock(intent: intent) { _ in
      try await Task.sleep(for: .milliseconds(1))  // may resume on another thread
      return try Self.takeAgainSynchronously(lock, intent: intent)
    }
    #expect(nested)
  }

  @Test("a child task is not the holder: it waits for its parent's lock")
  func childWaits() async throws {
    let lock = try NamedLock(home: home, name: "child")
    let childError = try await lock.withLock(intent: intent) { _ in
      async let child: StateError? = {
        do {
          try await lock.withLock(timeout: LockTimeout(milliseconds: 100), intent: intent) { _ in }
          return nil
        } catch {
          return error as? StateError
        }
      }()
      return await child
    }
    let error = try #require(childError, "the child task took its parent's lock")
    #expect(error.code == .concurrentModification && error.conflictReason == .lockTimeout)
  }

  @Test("a handle held outside a scope is not re-entrant; inside whileHolding it is")
  func handleNeedsScope() throws {
    let lock = try NamedLock(home: home, name: "handle")
    let held = try lock.acquire(intent: intent)
    defer { held.release() }
    let error = #expect(throws: StateError.self) {
      try lock.acquire(timeout: LockTimeout(milliseconds: 50), intent: intent)
    }
    #expect(error?.code == .concurrentModification)
    let nested = try held.whileHolding {
      try lock.acquire(timeout: LockTimeout(milliseconds: 0), intent: intent)
    }
    #expect(nested.isNested)
    nested.release()
  }
}
