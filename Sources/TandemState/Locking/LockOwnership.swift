import Synchronization

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Who is taking a lock inside this process: the running task, or, for code that runs
/// outside any task, the synchronous caller on this thread.
///
/// Only ``LockScopes`` uses it, and only while a holding scope is open. A task keeps its
/// identity when it resumes on another thread, and two tasks that take turns on one thread
/// (two `@MainActor` tasks) are two owners. A scope is open only while its task runs it, so
/// the task's address cannot be reused by another task meanwhile. Outside any task, nothing
/// else runs on the thread while the scope's caller is inside it: there the thread stands
/// for that caller's call stack, as a task-local value would (which outside a task is
/// stored per thread).
struct LockOwner: Equatable {
  /// The running task's address, or 0 outside any task.
  private var task: UInt
  /// The thread, outside any task; 0 for a task.
  private var thread: UInt

  /// The caller of this property.
  static var current: LockOwner {
    let task = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
    return LockOwner(task: task, thread: task == 0 ? UInt(pthread_self()) : 0)
  }
}

/// The holding scopes open in this process (``FileLock/whileHolding(_:)`` and the `withLock`
/// methods built on it): taking a lock inside a scope that holds it, by the scope's own
/// owner, gives a nested handle instead of waiting on itself.
///
/// Re-entrancy is scoped on purpose. A handle from `acquire` can outlive the task that took
/// it (kept in an actor, say), and a later task may then run at the same address, or a
/// later Dispatch work item on the same thread: keyed by either, it would share a lock it
/// does not hold. A scope ends before its owner does.
enum LockScopes {
  private struct Entry {
    var key: FileKey
    var owner: LockOwner
    var lock: FileLock
  }

  // A short list, not a dictionary: a process holds one or two locks, and a dictionary keyed
  // by a custom type costs a runtime conformance scan at start-up.
  private static let open = Mutex<[Entry]>([])
  /// How many scopes are open, read without the mutex: with none, the owner is not even
  /// looked up (the common case of a command-line tool's one write).
  private static let count = Atomic<Int>(0)

  /// What the caller already holds of one lock file.
  enum Holding {
    /// Nothing.
    case notHeld
    /// The lock, through this (outermost) handle.
    case held(FileLock)
    /// The lock at this level, passed down to child processes.
    case passedDown(level: Int)
  }

  /// What the current owner holds of `key`, in its innermost open scope.
  static func holding(_ key: FileKey) -> Holding {
    guard count.load(ordering: .relaxed) > 0 else { return .notHeld }
    let owner = LockOwner.current
    return open.withLock { entries in
      guard let entry = entries.last(where: { $0.key == key && $0.owner == owner && !$0.lock.isReleased })
      else { return .notHeld }
      if entry.lock.isPassedDown { return .passedDown(level: entry.lock.level) }
      return .held(entry.lock)
    }
  }

  /// Opens a scope in which `lock` (an outermost handle) is held by `owner`.
  static func enter(_ lock: FileLock, owner: LockOwner) {
    open.withLock { $0.append(Entry(key: lock.key, owner: owner, lock: lock)) }
    count.add(1, ordering: .relaxed)
  }

  /// Closes the innermost scope `enter(lock, owner:)` opened.
  static func leave(_ lock: FileLock, owner: LockOwner) {
    open.withLock { entries in
      guard let index = entries.lastIndex(where: { $0.lock === lock && $0.owner == owner }) else { return }
      entries.remove(at: index)
    }
    count.subtract(1, ordering: .relaxed)
  }
}
