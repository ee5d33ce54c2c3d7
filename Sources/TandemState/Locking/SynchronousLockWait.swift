internal import SystemPlatform
import Synchronization

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Waits for a busy lock with a deadline, blocking the calling thread without spinning.
///
/// The thread sleeps in `poll` on a pipe of its own until a ``LockWaiter`` hands it the lock,
/// the deadline passes, or ``WaitInterruption`` writes to the pipe from a signal handler.
/// When the waiters are at their cap it tries the lock itself between sleeps of growing
/// length instead (so an abandoned wait never costs more than the cap allows).
enum SynchronousLockWait {
  /// The longest sleep between two tries when polling.
  static let longestPauseMilliseconds: Int64 = 25

  /// Waits up to `milliseconds` for `range` of the lock file `key`, open as `fd`, whose
  /// lock was busy a moment ago. Takes `fd` over: only an `.acquired` outcome hands a
  /// descriptor back (maybe another one, open on the same file).
  static func wait(fd: Int32, key: FileKey, range: LockRange, milliseconds: Int64) -> LockWaitOutcome {
    var pipe: [Int32] = [-1, -1]
    guard Platform.makePipe(&pipe, flags: O_CLOEXEC | O_NONBLOCK) == 0 else {
      let error = lastErrno()
      close(fd)
      return .failed(error)
    }
    defer {
      close(pipe[0])
      close(pipe[1])
    }
    let client = Client(wakeFD: pipe[1])
    var own: Int32? = fd
    var waiter: LockWaiter?
    switch LockWaiter.attach(client, fd: fd, key: key, range: range) {
    case .adopted(let adopted):
      close(fd)
      own = nil
      waiter = adopted
    case .started(let started):
      own = nil
      waiter = started
    case .full:
      break
    }

    let deadline = SystemClock.monotonicMilliseconds() + milliseconds
    let armed = WaitInterruption.arm(wakeFD: pipe[1])
    var outcome: LockWaitOutcome?
    var pause: Int64 = 1
    while true {
      if waiter != nil {
        outcome = client.outcome
      } else if let own {
        let result = OpenFileLock.lockExclusive(own, range: range, wait: false)
        if result == 0 {
          outcome = .acquired(fd: own)
        } else if result != EAGAIN && result != EACCES {
          outcome = .failed(result)
        }
      }
      let remaining = deadline - SystemClock.monotonicMilliseconds()
      if outcome != nil || remaining <= 0 { break }
      if armed != nil, WaitInterruption.interruptingSignal != nil { break }
      let sleep = waiter == nil ? min(remaining, pause) : remaining
      var entry = pollfd(fd: pipe[0], events: Int16(POLLIN), revents: 0)
      _ = poll(&entry, 1, Int32(min(sleep, Int64(Int32.max))))
      var drained = [UInt8](repeating: 0, count: 16)
      _ = read(pipe[0], &drained, drained.count)
      pause = min(pause * 2, longestPauseMilliseconds)
    }
    // Handlers back before anything is written; a signal from now on has its usual effect.
    let signal = armed.flatMap { WaitInterruption.disarm($0) }
    if outcome == nil, let waiter, !waiter.detach(client) {
      // The waiter got the lock between the last look and giving up.
      outcome = client.outcome
    }

    switch outcome {
    case .acquired(let locked):
      guard let signal else { return .acquired(fd: locked) }
      // Acquired just as the signal came: let go again; nothing was written.
      close(locked)
      return .interrupted(signal)
    case .some(let other):
      if let own { close(own) }
      return other
    case nil:
      if let own { close(own) }
      return signal.map { .interrupted($0) } ?? .timedOut
    }
  }

  /// A waiting thread, woken through its pipe.
  private final class Client: LockWaitClient {
    private let wakeFD: Int32
    private let delivered = Mutex<LockWaitOutcome?>(nil)

    init(wakeFD: Int32) { self.wakeFD = wakeFD }

    var outcome: LockWaitOutcome? { delivered.withLock { $0 } }

    func deliver(_ outcome: LockWaitOutcome) {
      delivered.withLock { $0 = outcome }
      var byte: UInt8 = 1
      _ = write(wakeFD, &byte, 1)
    }
  }
}
