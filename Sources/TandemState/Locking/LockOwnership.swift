import Synchronization

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Who holds a lock in one of this process's holding scopes.
///
/// A suspending scope belongs to its task: the task keeps it when it resumes on another
/// thread, and other tasks, even ones that take turns with it on one thread (two
/// `@MainActor` tasks), do not share it. The scope ends before the task does, so the task's
/// address cannot pass to another task meanwhile.
///
/// A synchronous scope belongs to the call stack that runs it, which stays on one thread
/// from the scope's start to its end and keeps that thread busy meanwhile: nothing else,
/// task or not, runs on the thread until the scope ends (short of the scope's own body
/// running an executor's jobs). So while it is open, the thread names it, as a task-local
/// value would outside any task (which is stored per thread), and the check stays clear of
/// the concurrency runtime, whose first use costs a command-line tool's start-up.
enum LockOwner: Equatable {
  /// A suspending scope's task, by address.
  case task(UInt)
  /// A synchronous scope's thread.
  case thread(UInt)

  /// The owner of a synchronous scope opened here.
  static var synchronousCaller: LockOwner { .thread(UInt(pthread_self())) }

  /// The owner of a suspending scope opened here: the running task.
  static var currentTask: LockOwner { .task(currentTaskAddress) }

  /// The running task's address, or 0 outside any task.
  static var currentTaskAddress: UInt {
    withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
  }
}

/// The holding scopes open in this process (``FileLock/whileHolding(_:)`` and the `withLock`
/// methods and transactions built on it): taking a lock inside a scope that holds it, by
/// the scope's own owner, gives a nested handle instead of waiting on itself.
///
/// Re-entrancy is scoped on purpose. A handle from `acquire` can outlive the task that took
/// it (kept in an actor, say), and a later task may then run at the same address, or a
/// later Dispatch work item on the same thread: keyed by either, it would share a lock it
/// does not hold. A scope ends before its owner does.
enum LockScopes {
  /// One open scope.
  struct Entry {
    fileprivate var key: FileKey
    fileprivate var owner: LockOwner
    fileprivate var lock: FileLock
  }

  // A short list, not a dictionary: a process holds one or two locks, and a dictionary keyed
  // by a custom type costs a runtime conformance scan at start-up.
  private static let open = Mutex<[Entry]>([])
  /// How many scopes are open, read without the mutex: with none (the common case of a
  /// command-line tool's one write) a lookup ends at once.
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

  /// What the caller holds of `key`, in its innermost open scope.
  static func holding(_ key: FileKey) -> Holding {
    guard count.load(ordering: .relaxed) > 0 else { return .notHeld }
    let thread = LockOwner.synchronousCaller
    // Looked up only if a suspending scope holds this lock.
    var task: LockOwner?
    return open.withLock { entries in
      for entry in entries.reversed() where entry.key == key && !entry.lock.isReleased {
        let mine: Bool
        switch entry.owner {
        case .thread: mine = entry.owner == thread
        case .task:
          if task == nil { task = LockOwner.currentTask }
          mine = entry.owner == task
        }
        guard mine else { continue }
        if entry.lock.isPassedDown { return .passedDown(level: entry.lock.level) }
        return .held(entry.lock)
      }
      return .notHeld
    }
  }

  /// Opens a scope in which `owner` holds `lock` (an outermost handle).
  static func enter(_ lock: FileLock, owner: LockOwner) -> Entry {
    let entry = Entry(key: lock.key, owner: owner, lock: lock)
    open.withLock { $0.append(entry) }
    count.add(1, ordering: .relaxed)
    return entry
  }

  /// Closes the scope `enter` opened.
  static func leave(_ scope: Entry) {
    open.withLock { entries in
      guard let index = entries.lastIndex(where: { $0.lock === scope.lock && $0.owner == scope.owner }) else {
        return
      }
      entries.remove(at: index)
    }
    count.subtract(1, ordering: .relaxed)
  }
}
