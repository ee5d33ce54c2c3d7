#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Open file description locks (Linux `F_OFD_*`): owned by the open file, not the process,
/// so they conflict between two opens in one process, pass to a child with the descriptor,
/// and are released by the kernel when the last descriptor closes, including on `kill -9`.
enum OpenFileLock {
  // The values from <fcntl.h>; the C headers define them only under _GNU_SOURCE.
  static let getLock: Int32 = 36  // F_OFD_GETLK
  static let setLock: Int32 = 37  // F_OFD_SETLK
  static let setLockWaiting: Int32 = 38  // F_OFD_SETLKW

  /// Takes an exclusive lock on the whole file. Returns 0 or an `errno`
  /// (`EAGAIN`/`EACCES` when busy and `wait` is false).
  static func lockExclusive(_ fd: Int32, wait: Bool) -> Int32 {
    var request = wholeFile(type: F_WRLCK)
    let result = retryingOnInterrupt { fcntl(fd, wait ? setLockWaiting : setLock, &request) }
    return result == 0 ? 0 : lastErrno()
  }

  /// Whether another open file description holds a conflicting lock, without taking it.
  static func isHeldElsewhere(_ fd: Int32) -> Bool {
    var request = wholeFile(type: F_WRLCK)
    guard fcntl(fd, getLock, &request) == 0 else { return false }
    return request.l_type != Int16(F_UNLCK)
  }

  private static func wholeFile(type: Int32) -> flock {
    var request = flock()
    request.l_type = Int16(type)
    request.l_whence = Int16(SEEK_SET)
    request.l_start = 0
    request.l_len = 0
    request.l_pid = 0
    return request
  }
}

/// Waits for a lock with a deadline, without spinning.
///
/// The kernel offers a blocking wait (`F_OFD_SETLKW`) that wakes the moment the lock is
/// free, but no timeout. So a helper thread makes the blocking call while the caller waits
/// on a condition variable with the deadline. If the deadline passes first, the caller walks
/// away and the descriptor becomes the helper's: when the helper does get the lock it closes
/// the descriptor at once, which releases the lock again.
final class LockWaiter: @unchecked Sendable {
  enum Outcome {
    case acquired
    case timedOut
    case failed(Int32)
  }

  private enum State {
    case waiting, acquired, failed(Int32), abandoned
  }

  private let fd: Int32
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var state = State.waiting

  private init(fd: Int32) {
    self.fd = fd
    pthread_mutex_init(mutex, nil)
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    pthread_cond_init(condition, &attributes)
    pthread_condattr_destroy(&attributes)
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    condition.deallocate()
    mutex.deallocate()
  }

  /// Waits until `fd` is locked or `milliseconds` have passed. On `.timedOut` the caller
  /// must not use or close `fd` any more.
  static func wait(fd: Int32, milliseconds: Int64) -> Outcome {
    let waiter = LockWaiter(fd: fd)
    let context = Unmanaged.passRetained(waiter).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(
      &thread, nil,
      { raw in
        let waiter = Unmanaged<LockWaiter>.fromOpaque(raw!).takeRetainedValue()
        waiter.block()
        return nil
      }, context)
    guard created == 0 else {
      Unmanaged<LockWaiter>.fromOpaque(context).release()
      return .failed(created)
    }
    pthread_detach(thread)
    return waiter.awaitOutcome(milliseconds: milliseconds)
  }

  /// The helper thread: block in the kernel, then report or, if abandoned, let go.
  private func block() {
    let result = OpenFileLock.lockExclusive(fd, wait: true)
    pthread_mutex_lock(mutex)
    if case .abandoned = state {
      close(fd)
    } else {
      state = result == 0 ? .acquired : .failed(result)
      pthread_cond_signal(condition)
    }
    pthread_mutex_unlock(mutex)
  }

  private func awaitOutcome(milliseconds: Int64) -> Outcome {
    var deadline = timespec()
    clock_gettime(CLOCK_MONOTONIC, &deadline)
    let nanoseconds = Int(deadline.tv_nsec) + Int(milliseconds % 1000) * 1_000_000
    deadline.tv_sec += time_t(milliseconds / 1000) + time_t(nanoseconds / 1_000_000_000)
    deadline.tv_nsec = nanoseconds % 1_000_000_000

    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while case .waiting = state {
      if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
    }
    switch state {
    case .waiting, .abandoned:
      state = .abandoned
      return .timedOut
    case .acquired:
      return .acquired
    case .failed(let error):
      return .failed(error)
    }
  }
}
