/// Which account a namespace uses: `auth.json` in the instance's directory, else the shared
/// one in the home. Switching an instance's account leaves every other instance and the
/// shared default as they are; all of them still share the one token set per account.
///
/// With a store other than the home's files (``init(backend:home:namespace:)``), the choices
/// are that store's `auth.json` documents of the same namespaces, and the accounts its
/// ``StateBackend/credentialStore()``: every host that uses the store sees the same choice.
public struct ActiveAccount: Sendable {
  /// The state home.
  public let home: StateHome
  /// The namespace whose choice this is.
  public private(set) var namespace: Namespace
  /// Where the choices and accounts are.
  private let place: Place

  /// The home's files, or another store. An enum rather than an optional existential,
  /// which would make the runtime build its type on the file store's path too.
  private enum Place: Sendable {
    case home
    case store(any StateBackend)
  }

  /// The key inside `auth.json`.
  static let key = "active_account"
  /// The document's file name.
  public static let fileName = "auth.json"

  /// The active-account choice of `namespace`.
  public init(home: StateHome, namespace: Namespace) {
    self.home = home
    self.namespace = namespace
    place = .home
  }

  /// The active-account choice of `namespace` in `backend`: its `auth.json` documents and
  /// its accounts. `home` is the invocation's state home; nothing is read from it.
  public init(backend: any StateBackend, home: StateHome, namespace: Namespace) {
    self.home = home
    self.namespace = namespace
    place = .store(backend)
  }

  /// The same store's choice of another namespace.
  public func choice(of namespace: Namespace) -> ActiveAccount {
    var other = self
    other.namespace = namespace
    return other
  }

  /// The account `namespace`'s own document chooses, if any.
  private func chosen(in namespace: Namespace) throws(StateError) -> String? {
    switch place {
    case .home:
      return try ConfigStore(home: home, namespace: namespace, fileName: Self.fileName).read()[Self.key]
    case .store(let backend): return try backend.store(namespace, document: Self.fileName).read()[Self.key]
    }
  }

  /// The stored accounts, and where they are (for messages).
  private func accounts() throws(StateError) -> (records: [AccountRecord], location: String) {
    switch place {
    case .home: return (try CredentialStore(home: home).records(), home.path)
    case .store(let backend):
      let store = try backend.credentialStore()
      return (try store.records(), store.location)
    }
  }

  /// Where an account choice came from.
  public enum Origin: String, Sendable {
    /// `--account` on the command line.
    case explicit
    /// The instance's own choice.
    case instance
    /// The shared default.
    case shared
    /// The only stored account.
    case onlyAccount = "only_account"
  }

  /// The account to use: `explicit` if given, else the instance's choice, else the shared
  /// default, else the only stored account.
  public func resolve(explicit: String?) throws(StateError) -> (name: String, origin: Origin) {
    if let explicit { return (explicit, .explicit) }
    if let id = namespace.instanceID, let name = try chosen(in: .instance(id)) {
      return (name, .instance)
    }
    if let name = try chosen(in: .shared) {
      return (name, .shared)
    }
    let (records, location) = try accounts()
    if records.count == 1 { return (records[0].name, .onlyAccount) }
    var error = StateError(
      .credentialsMissing,
      records.isEmpty
        ? "no account is stored in \(location)" : "no active account: \(records.count) accounts are stored")
    error.fixRequired =
      records.isEmpty ? "log in to an account first" : "name the account, or choose an active one"
    error.remedy = records.isEmpty ? .logInFirst : .chooseAccount
    throw error
  }

  /// The choice stored for this namespace itself, if any.
  public func stored() throws(StateError) -> String? {
    try chosen(in: namespace)
  }

  /// The file (or the store's document) that holds this namespace's choice (it may not
  /// exist yet).
  public var path: String {
    switch place {
    case .home: return ConfigStore(home: home, namespace: namespace, fileName: Self.fileName).path
    case .store(let backend): return backend.store(namespace, document: Self.fileName).path
    }
  }

  /// The namespaces whose own choice is `account` now, as
  /// ``namespaces(choosing:home:)`` finds them in the home's files. Another store keeps no
  /// registry of instances: there, the shared default and this choice's own instance.
  public func namespaces(choosing account: String) throws(StateError) -> [Namespace] {
    guard case .store = place else { return try Self.namespaces(choosing: account, home: home) }
    var candidates: [Namespace] = [.shared]
    if let id = namespace.instanceID { candidates.append(.instance(id)) }
    var choosing: [Namespace] = []
    for candidate in candidates where try chosen(in: candidate) == account { choosing.append(candidate) }
    return choosing
  }

  /// Clears `account` wherever ``namespaces(choosing:)`` finds it chosen, as
  /// ``forget(_:home:timeout:intent:)`` does in the home's files.
  public func forget(_ account: String, timeout: LockTimeout, intent: LockIntent) throws -> [Namespace] {
    guard case .store(let backend) = place else {
      return try Self.forget(account, home: home, timeout: timeout, intent: intent)
    }
    var cleared: [Namespace] = []
    for namespace in try namespaces(choosing: account) {
      // Checked again under the lock: another process may have switched meanwhile.
      let removed = try backend.store(namespace, document: Self.fileName).update(
        timeout: timeout, ifRevision: nil, intent: intent
      ) { document -> Bool in
        guard document[Self.key] == account else { return false }
        document[Self.key] = nil
        return true
      }
      if removed.result { cleared.append(namespace) }
    }
    return cleared
  }

  /// The namespaces whose own choice is `account` now: the shared default and instances,
  /// in that order. Reads only, without locks: what ``forget(_:home:timeout:intent:)``
  /// would clear if nothing changes meanwhile.
  public static func namespaces(choosing account: String, home: StateHome) throws(StateError) -> [Namespace] {
    var namespaces: [Namespace] = [.shared]
    for instance in try InstanceRegistry(home: home).list() {
      if let id = try? InstanceID(instance.id) { namespaces.append(.instance(id)) }
    }
    var choosing: [Namespace] = []
    for namespace in namespaces where try ActiveAccount(home: home, namespace: namespace).stored() == account
    {
      choosing.append(namespace)
    }
    return choosing
  }

  /// Clears `account` wherever it is the active choice: the shared default and every
  /// instance's own. Run after the account is removed, so that no namespace is left
  /// pointing at an account that is gone. Returns the namespaces whose choice was cleared.
  public static func forget(
    _ account: String, home: StateHome, timeout: LockTimeout, intent: LockIntent
  ) throws -> [Namespace] {
    var cleared: [Namespace] = []
    for namespace in try namespaces(choosing: account, home: home) {
      // Checked again under the lock: another process may have switched meanwhile.
      let store = ConfigStore(home: home, namespace: namespace, fileName: Self.fileName)
      let removed = try store.update(timeout: timeout, intent: intent) { document -> Bool in
        guard document[Self.key] == account else { return false }
        document[Self.key] = nil
        return true
      }
      if removed.result { cleared.append(namespace) }
    }
    return cleared
  }

  /// Makes `account` this namespace's active account.
  public func switchTo(_ account: String, timeout: LockTimeout, intent: LockIntent) throws {
    switch place {
    case .home:
      try ConfigStore(home: home, namespace: namespace, fileName: Self.fileName)
        .update(timeout: timeout, intent: intent) { $0[Self.key] = account }
    case .store(let backend):
      try backend.store(namespace, document: Self.fileName)
        .update(timeout: timeout, ifRevision: nil, intent: intent) { $0[Self.key] = account }
    }
  }
}
