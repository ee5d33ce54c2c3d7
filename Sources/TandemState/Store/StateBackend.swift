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

  /// The backend's accounts and tokens: one token set per account, refreshed at most once
  /// across every process (and host) the backend serves, with the generations of
  /// ``CredentialStore``. A backend that keeps no accounts throws
  /// ``StateError/Code/setupRequired`` (the default).
  func credentialStore() throws(StateError) -> any CredentialStoring
}

extension StateBackend {
  /// The configuration document of `namespace`.
  public func store(_ namespace: Namespace) -> Store { store(namespace, document: ConfigStore.fileName) }

  /// A backend without accounts of its own: ``StateError/Code/setupRequired``.
  public func credentialStore() throws(StateError) -> any CredentialStoring {
    var error = StateError(.setupRequired, "this store keeps no accounts or tokens")
    error.fixRequired = "use a store that keeps accounts (the home's files or PostgreSQL) for auth commands"
    throw error
  }
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

  /// The home's accounts: `credentials/` (``CredentialStore``).
  public func credentialStore() -> any CredentialStoring {
    CredentialStore(home: home)
  }
}
