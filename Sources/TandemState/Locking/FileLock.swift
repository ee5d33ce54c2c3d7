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
///
/// Re-entrancy is scoped: inside ``whileHolding(_:)`` (and the `withLock` methods and
/// transactions built on it), taking the same lock again from the scope's own task (for a
/// suspending scope) or call stack (for a synchronous one) returns a nested handle instead
/// of waiting. Other tasks, child tasks included, wait for it like other processes do, even
/// on the same thread. A handle held outside such a scope is not re-entrant: taking its
/// lock again waits.
public final class FileLock: @unchecked Sendable {
  /// The lock file's path, for messages.
  public let path: String
  /// How long this process waited for the lock, in milliseconds.
  public let waitedMilliseconds: Int64
  /// Whether this handle is a nested use of a lock its caller already held (see
  /// ``whileHolding(_:)``).
  public let isNested: Bool

  let fd: Int32
  let key: FileKey
  /// The nesting level: 0 for a holder that did not inherit the lock, n + 1 for one that
  /// took it below a holder at level n (see ``InheritedLocks``).
  let level: Int
  /// The outermost handle, for a nested handle.
  private let outer: FileLock?
  private let acquiredAtNanoseconds: UInt64
  private let state = Mutex(State())

  private struct State {
    var released = false
    /// Made inheritable: child processes may hold levels below it.
    var passedDown = false
    /// The highest revision committed under this lock, to keep in the lock record.
    var committedRevision: UInt64 = 0
    /// The revision the lock record held when the lock was taken.
    var recordedRevision: UInt64 = 0
  }

  init(
    fd: Int32, path: String, key: FileKey, level: Int = 0, waitedMilliseconds: Int64, outer: FileLock? = nil,
    recordedRevision: UInt64 = 0
  ) {
    self.fd = fd
    self.path = path
    self.key = key
    self.level = level
    self.waitedMilliseconds = waitedMilliseconds
    self.isNested = outer != nil
    self.outer = outer
    self.acquiredAtNanoseconds = SystemClock.monotonicNanoseconds()
    state.withLock { $0.recordedRevision = recordedRevision }
  }

  deinit { release() }

  /// Releases the lock. Safe to call more than once.
  public func release() {
    let (alreadyReleased, committed) = state.withLock { state in
      defer { state.released = true }
      return (state.released, state.committedRevision)
    }
    guard !alreadyReleased else { return }
    if let outer {
      outer.noteCommitted(revision: committed)
      return
    }
    var record = LockRecord.read(from: fd) ?? LockRecord()
    record.revision = max(record.revision, committed)
    if level == 0 {
      record.holder = nil
      record.recordHold(
        microseconds: Int64((SystemClock.monotonicNanoseconds() - acquiredAtNanoseconds) / 1000))
      record.write(to: fd)
    } else if committed > 0 {
      // The holder record belongs to the outermost holder, which still holds the lock.
      record.write(to: fd)
    }
    // Closing the last descriptor of the open file releases the lock; no explicit unlock, so
    // a child that inherited the descriptor (`lock run`) keeps holding it until it exits.
    close(fd)
  }

  /// Lets a child process inherit this lock: clears close-on-exec and returns the descriptor.
  /// The lock then stays held until both this process and the child have closed it.
  ///
  /// The holder keeps only its own level of the lock file, so that the processes it starts
  /// can take the next level and exclude each other (``InheritedLocks``); outsiders still
  /// wait, since they ask for the whole file. Pass it down with
  /// ``InheritedLocks/environmentEntry(for:tool:)``.
  public func makeInheritable() -> Int32 {
    if let outer { return outer.makeInheritable() }
    state.withLock { $0.passedDown = true }
    let flags = fcntl(fd, F_GETFD)
    _ = fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC)
    _ = OpenFileLock.unlock(fd, range: .after(level: level))
    return fd
  }

  /// Whether ``makeInheritable()`` passed this lock down to child processes.
  var isPassedDown: Bool { state.withLock { $0.passedDown } }

  /// Whether ``release()`` was called.
  var isReleased: Bool { state.withLock { $0.released } }

  /// The outermost handle of this lock: this one, or the one a nested handle belongs to.
  var root: FileLock { outer ?? self }

  /// Rewrites the holder record, e.g. with the pid of a command run under the lock.
  public func updateHolder(_ holder: LockHolder) {
    guard !isNested, level == 0 else { return }
    var record = LockRecord.read(from: fd) ?? LockRecord()
    record.holder = holder
    record.write(to: fd)
  }

  /// The highest revision known to have been committed under this lock file: what the lock
  /// record held when the lock was taken, and what was committed since. A document written
  /// again after it was removed continues above it, so an old revision never names a new
  /// document.
  var historicalRevision: UInt64 {
    let own = state.withLock { max($0.recordedRevision, $0.committedRevision) }
    return max(own, outer?.historicalRevision ?? 0)
  }

  /// Forgets the revisions recorded in the lock file, for a document whose revisions ran
  /// out and that is moved aside.
  func resetHistory() {
    if let outer { return outer.resetHistory() }
    state.withLock {
      $0.recordedRevision = 0
      $0.committedRevision = 0
    }
    guard fd >= 0, var record = LockRecord.read(from: fd) else { return }
    record.revision = 0
    record.write(to: fd)
  }

  /// Notes a revision committed under this lock; the lock record keeps it at release.
  func noteCommitted(revision: UInt64) {
    state.withLock { $0.committedRevision = max($0.committedRevision, revision) }
  }

  /// Whether the lock file at ``path`` is still the file this lock is held on. Someone may
  /// have removed or replaced it by hand; processes that took the new file were then not
  /// excluded by this lock. (Writes check this themselves before they commit.)
  public var isLockFileInPlace: Bool {
    var info = stat()
    guard lstat(path, &info) == 0 else { return false }
    return FileKey(info) == key
  }

  /// Whether the lock file at the lock's path is still the file this lock is held on. Someone
  /// may remove or replace it by hand; a new writer then locks the new file, and this lock
  /// no longer excludes anyone.
  func isStillAt(_ directory: DirectoryHandle, name: String) -> Bool {
    guard let current = directory.status(name) else { return false }
    return FileKey(current) == key
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
