/// Where a tool's state lives: its documents and its named locks.
///
/// The file backend (``FileBackend``, a ``StateHome`` on a local file system) is the
/// embedded default, used directly by ``ConfigStore`` and ``NamedLock`` at no extra cost.
/// Another backend (a database shared by several hosts) implements these two protocols with
/// the same guarantees, and code written against ``StateBackend`` works with either.
public protocol StateBackend: Sendable {
  /// The backend's document store.
  associatedtype Store: RevisionedDocumentStore
  /// The backend's named lock.
  associatedtype Lock: NamedStateLock

  /// The document `name` of `namespace` (`config.json` for the configuration).
  func store(_ namespace: Namespace, document name: String) -> Store

  /// The named lock `name`; throws ``StateError/Code/invalidArgument`` for an invalid name.
  func lock(named name: String) throws(StateError) -> Lock
}

extension StateBackend {
  /// The configuration document of `namespace`.
  public func store(_ namespace: Namespace) -> Store { store(namespace, document: ConfigStore.fileName) }
}

/// The file backend: a state home on a local file system, with kernel locks, atomic
/// renames and fsync (``ConfigStore``, ``NamedLock``).
public struct FileBackend: StateBackend {
  /// The state home.
  public let home: StateHome

  /// The backend of `home`.
  public init(home: StateHome) { self.home = home }

  public func store(_ namespace: Namespace, document name: String) -> ConfigStore {
    ConfigStore(home: home, namespace: namespace, fileName: name)
  }

  public func lock(named name: String) throws(StateError) -> NamedLock {
    try NamedLock(home: home, name: name)
  }
}
