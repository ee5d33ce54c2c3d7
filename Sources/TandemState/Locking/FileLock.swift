import Synchronization

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// An exclusive kernel lock on a lock file, held until ``release()`` (or until the process
/// dies: the kernel then releases it, so there are no stale locks to clean up).
///
/// The lock file is never deleted or renamed in normal use, and its descriptor is
/// close-on-exec, so processes the framework starts do not keep the lock by accident.
/// Taking a lock this thread already holds does not deadlock: it returns a nested handle.
public final class FileLock: @unchecked Sendable {
  /// The lock file's path, for messages.
  public let path: String
  /// How long this process waited for the lock, in milliseconds.
  public let waitedMilliseconds: Int64
  /// Whether this handle is a nested use of a lock the thread already held.
  public let isNested: Bool

  let fd: Int32
  private let key: FileKey
  private let acquiredAtNanoseconds: UInt64
  private let state = Mutex(false)  // released?

  init(fd: Int32, path: String, key: FileKey, waitedMilliseconds: Int64, isNested: Bool) {
    self.fd = fd
    self.path = path
    self.key = key
    self.waitedMilliseconds = waitedMilliseconds
    self.isNested = isNested
    self.acquiredAtNanoseconds = SystemClock.monotonicNanoseconds()
  }

  deinit { release() }

  /// Releases the lock. Safe to call more than once.
  public func release() {
    let alreadyReleased = state.withLock { released in
      defer { released = true }
      return released
    }
    guard !alreadyReleased else { return }
    if isNested {
      LockRegistry.leave(key)
      return
    }
    var record = LockRecord.read(from: fd) ?? LockRecord()
    record.holder = nil
    record.recordHold(
      microseconds: Int64((SystemClock.monotonicNanoseconds() - acquiredAtNanoseconds) / 1000))
    record.write(to: fd)
    LockRegistry.leave(key)
    // Closing the last descriptor of the open file releases the lock; no explicit unlock, so
    // a child that inherited the descriptor (`lock run`) keeps holding it until it exits.
    close(fd)
  }

  /// Lets a child process inherit this lock: clears close-on-exec and returns the descriptor.
  /// The lock then stays held until both this process and the child have closed it.
  public func makeInheritable() -> Int32 {
    let flags = fcntl(fd, F_GETFD)
    _ = fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC)
    return fd
  }

  /// Rewrites the holder record, e.g. with the pid of a command run under the lock.
  public func updateHolder(_ holder: LockHolder) {
    guard !isNested else { return }
    var record = LockRecord.read(from: fd) ?? LockRecord()
    record.holder = holder
    record.write(to: fd)
  }
}

/// The identity of a lock file: device and inode.
struct FileKey: Hashable, Sendable {
  var device: UInt64
  var inode: UInt64

  init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }
}

/// The locks this process holds, so that a thread taking a lock it already holds gets a
/// nested handle instead of waiting on itself forever.
enum LockRegistry {
  private struct Entry {
    var key: FileKey
    var thread: UInt
    var depth: Int
  }

  // A short list, not a dictionary: a process holds one or two locks, and a dictionary keyed
  // by a custom type costs a runtime conformance scan at start-up.
  private static let held = Mutex<[Entry]>([])

  private static var currentThread: UInt { UInt(pthread_self()) }

  /// Returns true and records a nested use if this thread already holds `key`.
  static func enterIfHeldByCurrentThread(_ key: FileKey) -> Bool {
    let thread = currentThread
    return held.withLock { table in
      guard let index = table.firstIndex(where: { $0.key == key && $0.thread == thread }) else {
        return false
      }
      table[index].depth += 1
      return true
    }
  }

  static func register(_ key: FileKey) {
    let thread = currentThread
    held.withLock { $0.append(Entry(key: key, thread: thread, depth: 1)) }
  }

  static func leave(_ key: FileKey) {
    held.withLock { table in
      guard let index = table.firstIndex(where: { $0.key == key }) else { return }
      table[index].depth -= 1
      if table[index].depth == 0 { table.remove(at: index) }
    }
  }
}
