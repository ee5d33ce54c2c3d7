import Synchronization

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Waits for a busy lock with a deadline, suspending the calling task: no thread of the
/// cooperative pool is blocked, and cancelling the task ends the wait at once.
///
/// A ``LockWaiter`` (a thread of its own, outside the pool) waits in the kernel and resumes
/// the task the moment the lock is free. When the waiters are at their cap, the task tries
/// the lock itself between `Task.sleep`s of growing length instead: a few wake-ups per
/// second at most, and no thread or descriptor left behind when it gives up, which is what
/// keeps thousands of abandoned waits within the cap.
enum AsynchronousLockWait {
  /// Waits up to `milliseconds` for `range` of the lock file `key`, open as `fd`, whose
  /// lock was busy a moment ago. Takes `fd` over: only an `.acquired` outcome hands a
  /// descriptor back (maybe another one, open on the same file). A task cancelled before
  /// or during the wait gets `.cancelled`, and holds nothing.
  static func wait(fd: Int32, key: FileKey, range: LockRange, milliseconds: Int64) async -> LockWaitOutcome {
    guard !Task.isCancelled else {
      close(fd)
      return .cancelled
    }
    let client = Client()
    let outcome: LockWaitOutcome
    switch LockWaiter.attach(client, fd: fd, key: key, range: range) {
    case .adopted(let waiter):
      close(fd)
      outcome = await wait(for: waiter, as: client, milliseconds: milliseconds)
    case .started(let waiter):
      outcome = await wait(for: waiter, as: client, milliseconds: milliseconds)
    case .full:
      outcome = await poll(fd: fd, range: range, milliseconds: milliseconds)
    }
    // Cancelled just as the lock came: a cancelled wait takes nothing.
    if case .acquired(let locked) = outcome, Task.isCancelled {
      close(locked)
      return .cancelled
    }
    return outcome
  }

  /// Suspends until `waiter` delivers, the deadline passes or the task is cancelled.
  private static func wait(for waiter: LockWaiter, as client: Client, milliseconds: Int64) async
    -> LockWaitOutcome
  {
    await withTaskGroup(of: LockWaitOutcome?.self) { group in
      group.addTask { await client.outcome() }
      // The deadline and cancellation: whichever comes first takes the client off the
      // waiter (unless the lock was delivered already) and answers for it.
      group.addTask {
        try? await Task.sleep(for: .milliseconds(milliseconds))
        if waiter.detach(client) { client.deliver(Task.isCancelled ? .cancelled : .timedOut) }
        return nil
      }
      var outcome = LockWaitOutcome.timedOut
      for await answer in group {
        guard let answer else { continue }
        outcome = answer
        group.cancelAll()
      }
      return outcome
    }
  }

  /// Tries the lock between sleeps of growing length; used only when the waiters are at
  /// their cap.
  private static func poll(fd: Int32, range: LockRange, milliseconds: Int64) async -> LockWaitOutcome {
    let deadline = SystemClock.monotonicMilliseconds() + milliseconds
    var pause: Int64 = 1
    while true {
      let result = OpenFileLock.lockExclusive(fd, range: range, wait: false)
      if result == 0 { return .acquired(fd: fd) }
      guard result == EAGAIN || result == EACCES else {
        close(fd)
        return .failed(result)
      }
      let remaining = deadline - SystemClock.monotonicMilliseconds()
      guard remaining > 0 else {
        close(fd)
        return .timedOut
      }
      do {
        try await Task.sleep(for: .milliseconds(min(pause, remaining)))
      } catch {
        close(fd)
        return .cancelled
      }
      pause = min(pause * 2, SynchronousLockWait.longestPauseMilliseconds)
    }
  }

  /// A suspended task, resumed by whoever answers first.
  private final class Client: LockWaitClient {
    private enum State {
      case pending(LockWaitOutcome?)
      case suspended(CheckedContinuation<LockWaitOutcome?, Never>)
      case answered
    }

    private let state = Mutex(State.pending(nil))

    /// The first outcome delivered, once there is one.
    func outcome() async -> LockWaitOutcome? {
      await withCheckedContinuation { continuation in
        state.withLock { state in
          if case .pending(let outcome?) = state {
            state = .answered
            continuation.resume(returning: outcome)
          } else {
            state = .suspended(continuation)
          }
        }
      }
    }

    func deliver(_ outcome: LockWaitOutcome) {
      state.withLock { state in
        switch state {
        case .pending(nil):
          state = .pending(outcome)
        case .suspended(let continuation):
          state = .answered
          continuation.resume(returning: outcome)
        case .pending(.some), .answered:
          break
        }
      }
    }
  }
}
