internal import SystemPlatform

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

  /// Takes an exclusive lock on `range` of the file (the whole file by default). Returns 0
  /// or an `errno` (`EAGAIN`/`EACCES` when busy and `wait` is false).
  static func lockExclusive(_ fd: Int32, range: LockRange = .wholeFile, wait: Bool) -> Int32 {
    var request = range.request(type: F_WRLCK)
    let result = retryingOnInterrupt { fcntl(fd, wait ? setLockWaiting : setLock, &request) }
    return result == 0 ? 0 : lastErrno()
  }

  /// Releases `range` of what this open file description holds; the rest stays held.
  static func unlock(_ fd: Int32, range: LockRange) -> Int32 {
    var request = range.request(type: F_UNLCK)
    return fcntl(fd, setLock, &request) == 0 ? 0 : lastErrno()
  }

  /// Whether another open file description holds a conflicting lock, without taking it.
  static func isHeldElsewhere(_ fd: Int32) -> Bool {
    var request = LockRange.wholeFile.request(type: F_WRLCK)
    guard fcntl(fd, getLock, &request) == 0 else { return false }
    return request.l_type != Int16(F_UNLCK)
  }
}

/// The bytes of a lock file a lock covers.
///
/// An ordinary holder locks the whole file. A holder that passes its lock down to child
/// processes (`lock run`) keeps only byte 0, its *level*; each process below it that needs
/// the lock takes the next byte through an open file of its own, so processes started
/// under one holder still exclude each other, and their own children the byte after that.
/// Outsiders always ask for the whole file, which overlaps every level, so they wait for
/// the outermost holder.
struct LockRange: Equatable {
  /// The first byte.
  var start: Int64
  /// How many bytes; 0 means to the end of the file and beyond.
  var length: Int64

  /// How deep holders may nest (`lock run` inside `lock run` ...).
  static let maximumLevel = 64

  /// The whole file: what every holder that did not inherit the lock takes.
  static let wholeFile = LockRange(start: 0, length: 0)

  /// The single byte of nesting level `level`.
  static func level(_ level: Int) -> LockRange { LockRange(start: Int64(level), length: 1) }

  /// Everything after nesting level `level`.
  static func after(level: Int) -> LockRange { LockRange(start: Int64(level) + 1, length: 0) }

  func request(type: Int32) -> flock {
    var request = flock()
    request.l_type = Int16(type)
    request.l_whence = Int16(SEEK_SET)
    request.l_start = off_t(start)
    request.l_len = off_t(length)
    request.l_pid = 0
    return request
  }
}

/// Waits for a lock with a deadline, without spinning.
///
/// The kernel offers a blocking wait (`F_OFD_SETLKW`) that wakes the moment the lock is
/// free, but no timeout. So a helper thread makes the blocking call while the caller waits
/// in `poll` on a pipe the helper writes to, with the deadline. (A pipe rather than a
/// condition variable: a signal handler can write to it too, which is how
/// ``WaitInterruption`` ends a wait.) If the deadline passes first, the caller walks
/// away and the descriptor becomes the helper's: when the helper does get the lock it closes
/// the descriptor at once, which releases the lock again.
final class LockWaiter: @unchecked Sendable {
  enum Outcome {
    case acquired
    case timedOut
    case failed(Int32)
    /// A signal ended the wait (``WaitInterruption``); as after `.timedOut`, the caller must
    /// not use or close `fd` any more.
    case interrupted(Int32)
  }

  private enum State {
    case waiting, acquired, failed(Int32), abandoned
  }

  private let fd: Int32
  private let range: LockRange
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  /// The wake-up pipe: read end, write end (both close-on-exec, non-blocking).
  private let wake: (read: Int32, write: Int32)
  private var state = State.waiting

  private init(fd: Int32, range: LockRange, wake: (read: Int32, write: Int32)) {
    self.fd = fd
    self.range = range
    self.wake = wake
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    close(wake.read)
    close(wake.write)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Waits until `fd` is locked or `milliseconds` have passed. On `.timedOut` the caller
  /// must not use or close `fd` any more.
  static func wait(fd: Int32, range: LockRange = .wholeFile, milliseconds: Int64) -> Outcome {
    var pipe: [Int32] = [-1, -1]
    guard Platform.makePipe(&pipe, flags: O_CLOEXEC | O_NONBLOCK) == 0 else { return .failed(lastErrno()) }
    let waiter = LockWaiter(fd: fd, range: range, wake: (pipe[0], pipe[1]))
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
    let result = OpenFileLock.lockExclusive(fd, range: range, wait: true)
    pthread_mutex_lock(mutex)
    if case .abandoned = state {
      close(fd)
    } else {
      state = result == 0 ? .acquired : .failed(result)
      var byte: UInt8 = 1
      _ = write(wake.write, &byte, 1)
    }
    pthread_mutex_unlock(mutex)
  }

  private func awaitOutcome(milliseconds: Int64) -> Outcome {
    let deadline = SystemClock.monotonicMilliseconds() + milliseconds
    let armed = WaitInterruption.arm(wakeFD: wake.write)
    var signal: Int32?
    while true {
      pthread_mutex_lock(mutex)
      let waiting = if case .waiting = state { true } else { false }
      pthread_mutex_unlock(mutex)
      let remaining = deadline - SystemClock.monotonicMilliseconds()
      if !waiting || remaining <= 0 { break }
      if armed != nil, WaitInterruption.interruptingSignal != nil { break }
      var entry = pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)
      _ = poll(&entry, 1, Int32(min(remaining, Int64(Int32.max))))
      var drained = [UInt8](repeating: 0, count: 16)
      _ = read(wake.read, &drained, drained.count)
    }
    // Handlers back before anything is written; a signal from now on has its usual effect.
    if let armed { signal = WaitInterruption.disarm(armed) }

    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    switch state {
    case .waiting, .abandoned:
      state = .abandoned
      return signal.map { .interrupted($0) } ?? .timedOut
    case .acquired:
      guard let signal else { return .acquired }
      // Acquired just as the signal came: let go again; nothing was written.
      close(fd)
      return .interrupted(signal)
    case .failed(let error):
      return .failed(error)
    }
  }
}
