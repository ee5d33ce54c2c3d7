import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

@Suite("Kernel file locks with a timeout")
struct FileLockTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }
  var intent: LockIntent { LockIntent(instanceID: "tester", command: "test holder") }

  /// Holds `lock` on another thread (another open file, so the kernel sees a conflict)
  /// for `milliseconds`, and returns once it is held.
  func holdElsewhere(_ lock: NamedLock, for milliseconds: UInt32) -> Thread {
    let held = DispatchSemaphore(value: 0)
    let thread = Thread {
      let handle = try! lock.acquire(
        timeout: .default, intent: LockIntent(instanceID: "other", command: "other holder"))
      held.signal()
      usleep(milliseconds * 1000)
      handle.release()
    }
    thread.start()
    held.wait()
    return thread
  }

  /// Whether the lock reads as free within a second. Other tests in this process spawn
  /// children: between fork and exec a child briefly holds copies of every descriptor,
  /// close-on-exec ones included, so a just-released lock may read as held for a moment.
  func becomesFree(_ lock: NamedLock) throws -> Bool {
    for _ in 0..<100 {
      if try !lock.status().isHeld { return true }
      usleep(10_000)
    }
    return false
  }

  @Test("a nested acquisition inside the holder's scope does not deadlock")
  func nested() throws {
    let lock = try NamedLock(home: home, name: "nested")
    let outer = try lock.acquire(timeout: LockTimeout(milliseconds: 0), intent: intent)
    try outer.whileHolding {
      let inner = try lock.acquire(timeout: LockTimeout(milliseconds: 0), intent: intent)
      #expect(inner.isNested && !outer.isNested)
      inner.release()
      #expect(try lock.status().isHeld)  // releasing the nested use keeps the outer lock
    }
    outer.release()
    #expect(try becomesFree(lock))
  }

  @Test("a nested config update inside a transaction does not deadlock")
  func nestedStore() throws {
    let store = ConfigStore(home: home)
    try store.update(timeout: LockTimeout(milliseconds: 0)) { document in
      document["outer"] = "1"
      let held = try store.acquireLock(timeout: LockTimeout(milliseconds: 0), intent: intent)
      #expect(held.isNested)
      held.release()
    }
    #expect(try store.read()["outer"] == "1")
  }

  @Test("timeout 0 tries once and reports the holder")
  func tryOnce() throws {
    let lock = try NamedLock(home: home, name: "busy")
    _ = holdElsewhere(lock, for: 500)
    let start = Date()
    let error = try #require(throws: StateError.self) {
      try lock.acquire(timeout: LockTimeout(milliseconds: 0), intent: intent)
    }
    #expect(Date().timeIntervalSince(start) < 0.2)
    #expect(error.code == .concurrentModification && error.conflictReason == .lockTimeout)
    #expect(error.holder?.command == "other holder" && error.holder?.instanceID == "other")
    #expect(error.holder?.pid == getpid())
    #expect((error.retryAfterMilliseconds ?? 0) > 0)
  }

  @Test("a waiter picks a freed lock up promptly and burns no CPU while it waits")
  func promptAndIdle() throws {
    let lock = try NamedLock(home: home, name: "handoff")
    _ = holdElsewhere(lock, for: 600)
    var before = rusage()
    getrusage(1 /* RUSAGE_THREAD: tests run in parallel in this process */, &before)
    let start = Date()
    let handle = try lock.acquire(timeout: LockTimeout(milliseconds: 10_000), intent: intent)
    let waited = Date().timeIntervalSince(start)
    var after = rusage()
    getrusage(1, &after)
    handle.release()
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    let cpu =
      seconds(after.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_utime) - seconds(before.ru_stime)
    #expect(waited > 0.4 && waited < 1.5, "waited \(waited) s for a lock released after about 0.6 s")
    #expect(cpu < 0.05, "the waiting thread used \(cpu) s of CPU")
  }

  @Test("a timed-out wait leaves the lock usable once the holder is gone")
  func timeoutThenFree() throws {
    let lock = try NamedLock(home: home, name: "later")
    let holder = holdElsewhere(lock, for: 300)
    #expect(throws: StateError.self) {
      try lock.acquire(timeout: LockTimeout(milliseconds: 50), intent: intent)
    }
    while holder.isExecuting { usleep(10_000) }
    usleep(100_000)
    let handle = try lock.acquire(timeout: LockTimeout(milliseconds: 1000), intent: intent)
    handle.release()
  }

  @Test("lock descriptors are close-on-exec unless made inheritable")
  func closeOnExec() throws {
    let handle = try NamedLock(home: home, name: "cloexec").acquire(intent: intent)
    #expect(fcntl(handle.fd, F_GETFD) & FD_CLOEXEC != 0)
    _ = handle.makeInheritable()
    #expect(fcntl(handle.fd, F_GETFD) & FD_CLOEXEC == 0)
    handle.release()
  }

  @Test("a child process does not keep a state lock after the parent releases it")
  func childDoesNotInherit() throws {
    let lock = try NamedLock(home: home, name: "child")
    let handle = try lock.acquire(intent: intent)
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/sleep")
    child.arguments = ["2"]
    try child.run()
    defer { child.terminate() }
    handle.release()
    // Short of the child's 2 s: had it kept the lock, this would time out.
    let again = try lock.acquire(timeout: LockTimeout(milliseconds: 500), intent: intent)
    again.release()
  }

  @Test("status shows the holder and the typical hold")
  func status() throws {
    let lock = try NamedLock(home: home, name: "status")
    #expect(try lock.status().isHeld == false)
    let holder = holdElsewhere(lock, for: 300)
    let status = try lock.status()
    #expect(status.isHeld)
    #expect(status.holder?.command == "other holder")
    while holder.isExecuting { usleep(10_000) }
    #expect(try becomesFree(lock))
    let after = try lock.status()
    #expect(after.holder == nil && after.typicalHoldMicroseconds > 0)
  }

  @Test("retry advice grows with the holder's hold and carries jitter")
  func retryAdvice() {
    let short = (0..<50).map { _ in
      RetryAdvice.afterLockTimeout(heldMilliseconds: 2, meanHoldMicroseconds: 10_000)
    }
    #expect(short.allSatisfy { (4...12).contains($0) })
    let long = (0..<50).map { _ in
      RetryAdvice.afterLockTimeout(heldMilliseconds: 4000, meanHoldMicroseconds: 1_000)
    }
    #expect(long.allSatisfy { (1000...3000).contains($0) })
    #expect(Set(long).count > 5)
  }

  @Test("bad lock names are refused", arguments: ["", "..", "a/b", "-x"])
  func badNames(_ name: String) {
    #expect(throws: StateError.self) { try NamedLock(home: home, name: name) }
  }
}
