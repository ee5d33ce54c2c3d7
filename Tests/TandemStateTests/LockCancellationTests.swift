import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

/// A cancelled task stops waiting for a lock at once and holds nothing.
@Suite("Cancelled lock waits")
struct LockCancellationTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }
  var intent: LockIntent { LockIntent(instanceID: nil, command: "cancellation test") }
  /// Runs the waiting tasks, so that what is timed is the cancellation, not a wait for a
  /// free thread of the cooperative pool.
  static let executor = ThreadExecutor()

  /// Starts `tandem lock run --name NAME -- sleep 600`, and returns once its command holds
  /// the lock: the holder is another process.
  func holdInAnotherProcess(_ lock: NamedLock) throws -> (TandemBinary.Running, Int32) {
    let running = try TandemBinary.start(
      ["--home", home.path, "lock", "run", "--name", lock.name, "--", "sleep", "600"])
    for _ in 0..<1000 {
      if let holder = try lock.status().holder, holder.pid != getpid(), holder.pid != running.pid {
        return (running, holder.pid)
      }
      usleep(10_000)
    }
    kill(running.pid, SIGKILL)
    _ = running.wait()
    throw StateError(.ioError, "tandem lock run did not take the lock within 10 s")
  }

  /// Whether the lock reads as free within `seconds` (a process that forked meanwhile may
  /// briefly hold a copy of a descriptor).
  func becomesFree(_ lock: NamedLock, seconds: Int = 10) throws -> Bool {
    for _ in 0..<(seconds * 100) {
      if try !lock.status().isHeld { return true }
      usleep(10_000)
    }
    return false
  }

  @Test("a waiter cancelled while another process holds the lock returns at once, holding nothing")
  func cancelWhileAnotherProcessHolds() async throws {
    let lock = try NamedLock(home: home, name: "other-process")
    let (holder, command) = try holdInAnotherProcess(lock)
    defer {
      kill(holder.pid, SIGTERM)
      _ = holder.wait()
    }
    // A timeout no starved test run outlasts: only the cancellation can end this wait.
    let wait = await CancelledWait.run(on: Self.executor, cancelAfter: .milliseconds(300)) {
      try await lock.withLock(timeout: .seconds(600), intent: intent) { _ in }
    }
    #expect(wait.reaction < .seconds(1), "the cancelled wait took \(wait.reaction) of its 600 s timeout")
    #expect(
      wait.error?.code == .cancelled,
      "\(String(describing: wait.error)) \(wait.otherError ?? ""), cancelled after \(wait.waitedBeforeCancel)"
    )
    // Nothing taken: the other process still holds the lock, and the record is its own.
    let status = try lock.status()
    #expect(status.isHeld && status.holder?.pid == command)
    // Once that process is gone, nothing of this process's wait keeps the lock.
    kill(holder.pid, SIGTERM)
    _ = holder.wait()
    #expect(try becomesFree(lock))
  }

  @Test("a task cancelled before it asks for a busy lock does not wait at all")
  func cancelledBefore() async throws {
    let lock = try NamedLock(home: home, name: "already")
    let held = try await lock.acquire(intent: intent)  // no scope: a busy lock for any other taker
    defer { held.release() }
    let clock = ContinuousClock()
    let waiter = Task<(Duration, StateError?), Never>(executorPreference: Self.executor) {
      withUnsafeCurrentTask { $0?.cancel() }
      let started = clock.now
      do throws(StateError) {
        _ = try await lock.acquire(timeout: .seconds(30), intent: intent)
        return (clock.now - started, nil)
      } catch {
        return (clock.now - started, error)
      }
    }
    let (took, error) = await waiter.value
    #expect(took < .seconds(1), "the cancelled task waited \(took)")
    #expect(error?.code == .cancelled)
  }

  @Test("a cancelled update writes nothing; a free lock is taken even by a cancelled task")
  func cancelledUpdate() async throws {
    let store = ConfigStore(home: home)
    try await store.update { $0["key"] = "before" }
    let held = try await store.acquireLock(intent: intent)
    let wait = await CancelledWait.run(on: Self.executor, cancelAfter: .milliseconds(200)) {
      _ = try await store.update(timeout: .seconds(600)) { $0["key"] = "after" }
    }
    #expect(
      wait.error?.code == .cancelled,
      "\(String(describing: wait.error)) \(wait.otherError ?? ""), cancelled after \(wait.waitedBeforeCancel)"
    )
    held.release()
    #expect(try store.read()["key"] == "before")
    // Cancellation ends waits, not work that needs none.
    let free = await Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await store.update { $0["key"] = "cancelled task" }
    }.result
    #expect(try free.get().document["key"] == "cancelled task")
  }
}
