/// A held lock, released by ``release()`` (or when its holder dies: no stale locks).
public protocol HeldStateLock: AnyObject, Sendable {
  /// Where the lock is, for messages (a lock file's path, or the backend's name for it).
  var path: String { get }
  /// How long the holder waited for the lock.
  var waited: Duration { get }
  /// Lets the lock go. Safe to call more than once.
  func release()
}

/// A lock with a name, shared by all instances of a tool: what every backend gives.
///
/// Taking it waits up to a timeout, then fails with
/// ``StateError/Code/concurrentModification`` (reason `lock_timeout`) and the holder; a
/// waiting task that is cancelled stops at once with ``StateError/Code/cancelled``. The
/// lock is released when the holder releases it or dies.
public protocol NamedStateLock: Sendable {
  /// The handle of a held lock.
  associatedtype Held: HeldStateLock
  /// The lock's name.
  var name: String { get }

  /// Takes the lock, blocking the calling thread while it waits.
  func acquire(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> Held
  /// Takes the lock, suspending the task while it waits.
  func acquire(timeout: LockTimeout, intent: LockIntent) async throws(StateError) -> Held
  /// Who holds the lock, read without taking it.
  func status() throws(StateError) -> LockStatus
}

extension FileLock: HeldStateLock {
  /// How long this process waited for the lock.
  public var waited: Duration { .milliseconds(waitedMilliseconds) }
}

extension NamedLock: NamedStateLock {}
