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

  /// Takes the lock, waiting up to `timeout`.
  public func acquire(timeout: LockTimeout = .default, intent: LockIntent) throws(StateError) -> FileLock {
    try LockAcquisition.acquire(
      home: home, directory: [StateHome.locksDirectoryName], name: fileName, timeout: timeout, intent: intent
    ).lock
  }

  /// Who holds the lock, read without taking it.
  public func status() throws(StateError) -> LockStatus {
    try LockStatus.read(home: home, directory: [StateHome.locksDirectoryName], name: fileName)
  }
}
