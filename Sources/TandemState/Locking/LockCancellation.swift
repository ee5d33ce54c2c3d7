/// What a cancelled task gets from a lock wait.
///
/// Cancellation ends a *wait*: the suspending forms (`acquire`, `withLock`, `update` and
/// the credential calls with `await`) throw ``StateError/Code/cancelled`` as soon as the
/// task is cancelled while the lock is busy, without waiting for the timeout, and nothing
/// is taken or written. A lock that is free, or already held by the caller's own scope,
/// involves no wait and is taken as usual; the body then runs in a cancelled task, which
/// it may check with `Task.checkCancellation()`.
///
/// A ``StateError`` rather than `CancellationError`, so that every failure of these calls,
/// typed `throws(StateError)`, carries a stable code.
enum LockCancellation {
  /// The error for a wait for the lock at `path` that the task's cancellation ended.
  static func error(path: String) -> StateError {
    StateError(
      .cancelled,
      "the task was cancelled while waiting for the lock on \(path); nothing was written under it",
      path: path)
  }
}

extension StateError.Code {
  /// The task was cancelled while it waited for a lock; nothing was taken or written.
  public static let cancelled = StateError.Code("CANCELLED")
}
