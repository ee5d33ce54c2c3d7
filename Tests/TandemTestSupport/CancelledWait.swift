import Foundation
public import TandemState

/// How a wait that was cancelled ended, timed without the cooperative pool.
///
/// The waiting task runs on a ``ThreadExecutor`` and the cancellation comes from a thread of
/// its own, so neither waits for a free thread of the pool. Under the full parallel test run
/// the pool has been starved for more than 30 s: a test body that slept on the pool before
/// cancelling then cancelled only after its waiter's 30 s timeout had run out, and the
/// waiter's correct `CONCURRENT_MODIFICATION` (a real timeout, "gave up after 30s") read as a
/// cancelled wait answered with the wrong code.
public struct CancelledWait: Sendable {
  /// When the waiting task started.
  public var started: ContinuousClock.Instant
  /// When it was cancelled.
  public var cancelled: ContinuousClock.Instant
  /// When its wait ended.
  public var ended: ContinuousClock.Instant
  /// What the wait threw, if it threw a ``StateError``.
  public var error: StateError?
  /// What it threw otherwise, described; nil when it threw a ``StateError`` or nothing.
  public var otherError: String?

  /// From the cancellation to the end of the wait.
  public var reaction: Duration { ended - cancelled }
  /// From the start of the wait to its cancellation.
  public var waitedBeforeCancel: Duration { cancelled - started }

  /// Starts `wait` on `executor`, cancels it `delay` after it started, and returns how it
  /// ended. `wait` should be waiting for a busy lock by then, with a timeout far longer than
  /// `delay`.
  public static func run(
    on executor: ThreadExecutor, cancelAfter delay: Duration,
    _ wait: @escaping @Sendable () async throws -> Void
  ) async -> CancelledWait {
    let clock = ContinuousClock()
    let started = Started()
    let waiter = Task<(ContinuousClock.Instant, StateError?, String?), Never>(executorPreference: executor) {
      started.mark(clock.now)
      do {
        try await wait()
        return (clock.now, nil, nil)
      } catch let error as StateError {
        return (clock.now, error, nil)
      } catch {
        return (clock.now, nil, String(describing: error))
      }
    }
    let (startedAt, cancelledAt) = await withCheckedContinuation { continuation in
      Thread.detachNewThread {
        let startedAt = started.wait()
        let due = startedAt + delay
        let now = clock.now
        if due > now { Thread.sleep(forTimeInterval: (due - now) / .seconds(1)) }
        let cancelledAt = clock.now
        waiter.cancel()
        continuation.resume(returning: (startedAt, cancelledAt))
      }
    }
    let (endedAt, error, other) = await waiter.value
    return CancelledWait(
      started: startedAt, cancelled: cancelledAt, ended: endedAt, error: error, otherError: other)
  }

  /// The moment the waiting task started, handed to the cancelling thread.
  private final class Started: @unchecked Sendable {
    private let condition = NSCondition()
    private var instant: ContinuousClock.Instant?

    func mark(_ now: ContinuousClock.Instant) {
      condition.lock()
      instant = now
      condition.broadcast()
      condition.unlock()
    }

    func wait() -> ContinuousClock.Instant {
      condition.lock()
      defer { condition.unlock() }
      while instant == nil { condition.wait() }
      return instant!
    }
  }
}
