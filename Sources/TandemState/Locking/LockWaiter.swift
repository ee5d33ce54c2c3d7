import Synchronization
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

  /// The deepest level a holder may take (`lock run` inside `lock run` ...): levels 0 to 64,
  /// so 65 holders in a chain; a process below the deepest is refused at once.
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

/// How a wait for a lock ended.
enum LockWaitOutcome: Sendable {
  /// The lock is held through this descriptor: the caller's own, or an adopted
  /// ``LockWaiter``'s, open on the same file.
  case acquired(fd: Int32)
  /// The deadline passed.
  case timedOut
  /// `fcntl` failed with this `errno`.
  case failed(Int32)
  /// A signal ended the wait (``WaitInterruption``).
  case interrupted(Int32)
  /// The waiting task was cancelled.
  case cancelled
}

/// Someone waiting for a ``LockWaiter``'s lock: a thread with a deadline, or a suspended task.
protocol LockWaitClient: AnyObject, Sendable {
  /// Hands over the kernel's answer (`.acquired` or `.failed`). Called at most once, with
  /// the waiters' table locked: it must only record the outcome and wake the client.
  func deliver(_ outcome: LockWaitOutcome)
}

/// A thread blocked in the kernel's wait for a lock (`F_OFD_SETLKW`), on behalf of whoever
/// waits for that lock now.
///
/// The kernel's wait wakes the moment the lock is free, but it has no timeout and nothing
/// but a signal ends it early. So a waiter thread makes the call for a *client* (a thread
/// waiting with a deadline, a suspended task) that can give up. A client that gives up
/// (timeout, cancellation, a signal) leaves its waiter blocked, but not lost: the next wait
/// for the same lock file and range adopts it instead of starting another thread, and a
/// waiter that gets the lock with no client closes its descriptor, which lets go of the lock
/// again at once. At most ``maximumCount`` waiters exist per process; past that, waits poll
/// with back-off instead. So however many waits time out, at most that many threads and
/// descriptors wait for locks, and they end as soon as the locks they wait for are free.
final class LockWaiter: @unchecked Sendable {
  /// The most waiter threads (each with one descriptor) in a process at once.
  static let maximumCount = 8

  let key: FileKey
  let range: LockRange
  private let fd: Int32
  /// Who gets the lock; nil while abandoned. Guarded by ``table``.
  private var client: (any LockWaitClient)?

  /// The waiters whose threads are blocked in the kernel.
  private static let table = Mutex<[LockWaiter]>([])

  private init(fd: Int32, key: FileKey, range: LockRange, client: any LockWaitClient) {
    self.fd = fd
    self.key = key
    self.range = range
    self.client = client
  }

  /// How ``attach(_:fd:key:range:)`` placed a client.
  enum Attachment {
    /// With a waiter that a client had abandoned; the caller closes its own descriptor.
    case adopted(LockWaiter)
    /// With a new waiter, which now owns the caller's descriptor.
    case started(LockWaiter)
    /// Nowhere: the waiters are at their cap. The caller keeps its descriptor and polls.
    case full
  }

  /// Finds `client` a waiter for `range` of the lock file `key`, whose lock is busy.
  static func attach(_ client: any LockWaitClient, fd: Int32, key: FileKey, range: LockRange) -> Attachment {
    table.withLock { waiters in
      if let idle = waiters.first(where: { $0.client == nil && $0.key == key && $0.range == range }) {
        idle.client = client
        return .adopted(idle)
      }
      guard waiters.count < maximumCount else { return .full }
      let waiter = LockWaiter(fd: fd, key: key, range: range, client: client)
      let context = Unmanaged.passRetained(waiter).toOpaque()
      var thread = pthread_t()
      // Started with the table locked: its first act after the kernel answers is to lock it.
      let created = pthread_create(
        &thread, nil,
        { raw in
          Unmanaged<LockWaiter>.fromOpaque(raw!).takeRetainedValue().block()
          return nil
        }, context)
      guard created == 0 else {
        Unmanaged<LockWaiter>.fromOpaque(context).release()
        return .full
      }
      pthread_detach(thread)
      waiters.append(waiter)
      return .started(waiter)
    }
  }

  /// Takes `client` off this waiter. Returns false if the outcome was already delivered to
  /// it (then the client must use it); true if nothing was or ever will be.
  func detach(_ client: any LockWaitClient) -> Bool {
    Self.table.withLock { _ in
      guard self.client === client else { return false }
      self.client = nil
      return true
    }
  }

  /// The thread: block in the kernel, then hand the lock over, or let go of it.
  private func block() {
    let result = OpenFileLock.lockExclusive(fd, range: range, wait: true)
    Self.table.withLock { waiters in
      waiters.removeAll { $0 === self }
      if let client {
        self.client = nil
        if result != 0 { close(fd) }
        client.deliver(result == 0 ? .acquired(fd: fd) : .failed(result))
      } else {
        close(fd)
      }
    }
  }
}
