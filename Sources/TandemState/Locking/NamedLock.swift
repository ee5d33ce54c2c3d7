/// A lock with a name, under `locks/NAME.lock` in the home, shared by all instances.
///
/// Agents use it to serialize anything, e.g. runs of another tool that has no lock of its
/// own: `tandem lock run --name git-push -- git push`.
public struct NamedLock: Sendable {
  /// The state home.
  public let home: StateHome
  /// The lock's name: same rules as an instance id.
  public let name: String

  /// A named lock; throws ``StateError/Code/invalidArgument`` for an invalid name.
  public init(home: StateHome, name: String) throws(StateError) {
    try InstanceID.validateName(name, kind: "lock name")
    self.home = home
    self.name = name
  }

  /// The lock file's path.
  public var path: String { home.displayPath([StateHome.locksDirectoryName, fileName]) }

  private var fileName: String { name + ".lock" }

  /// Takes the lock, waiting up to `timeout` and blocking the calling thread meanwhile.
  ///
  /// Inside a holding scope of the same lock (``withLock(timeout:intent:_:)``,
  /// ``FileLock/whileHolding(_:)``) by the same caller this returns a nested handle at once.
  /// A handle from here is not a scope itself: taking the lock again while holding it waits.
  /// From async code, use the suspending overload, which blocks no thread.
  public func acquire(timeout: LockTimeout = .default, intent: LockIntent) throws(StateError) -> FileLock {
    try LockAcquisition.acquire(
      home: home, directory: [StateHome.locksDirectoryName], name: fileName, timeout: timeout, intent: intent
    ).lock
  }

  /// Takes the lock, waiting up to `timeout` with the task suspended (no thread is
  /// blocked). If the task is cancelled while it waits, the wait ends at once with
  /// ``StateError/Code/cancelled`` and nothing is taken (<doc:UsingLocks>).
  public func acquire(timeout: LockTimeout = .default, intent: LockIntent) async throws(StateError)
    -> FileLock
  {
    try await LockAcquisition.acquire(
      home: home, directory: [StateHome.locksDirectoryName], name: fileName, timeout: timeout, intent: intent
    ).lock
  }

  /// Runs `body` with the lock held, waiting up to `timeout` for it, and releases it
  /// afterwards. Inside `body`, the same caller taking this lock again gets a nested
  /// handle instead of waiting on itself (``FileLock/whileHolding(_:)``).
  ///
  /// Blocks the calling thread while it waits. Async code gets the suspending overload, even
  /// for a body that does not await.
  @_disfavoredOverload
  @discardableResult
  public func withLock<Result>(
    timeout: LockTimeout = .default, intent: LockIntent, _ body: (FileLock) throws -> Result
  ) throws -> Result {
    let lock = try acquire(timeout: timeout, intent: intent)
    defer { lock.release() }
    return try lock.whileHolding { () throws -> Result in try body(lock) }
  }

  /// Runs `body` with the lock held, waiting up to `timeout` with the task suspended, and
  /// releases it afterwards.
  ///
  /// Inside `body` the task is the lock's holder, on whatever thread it resumes: taking the
  /// lock again gets a nested handle. Other tasks wait, including child tasks and tasks of
  /// the same actor (two `@MainActor` tasks exclude each other although they share a
  /// thread). A cancelled wait throws ``StateError/Code/cancelled`` at once, holding nothing.
  @discardableResult
  public func withLock<Result>(
    timeout: LockTimeout = .default, intent: LockIntent, isolation: isolated (any Actor)? = #isolation,
    _ body: (FileLock) async throws -> Result
  ) async throws -> Result {
    let lock = try await acquire(timeout: timeout, intent: intent)
    defer { lock.release() }
    return try await lock.whileHolding { () async throws -> Result in try await body(lock) }
  }

  /// Who holds the lock, read without taking it.
  public func status() throws(StateError) -> LockStatus {
    try LockStatus.read(home: home, directory: [StateHome.locksDirectoryName], name: fileName)
  }
}
