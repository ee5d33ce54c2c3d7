/// Which account a namespace uses: `auth.json` in the instance's directory, else the shared
/// one in the home. Switching an instance's account leaves every other instance and the
/// shared default as they are; all of them still share the one token set per account.
public struct ActiveAccount: Sendable {
  /// The state home.
  public let home: StateHome
  /// The namespace whose choice this is.
  public let namespace: Namespace

  /// The key inside `auth.json`.
  static let key = "active_account"
  /// The document's file name.
  public static let fileName = "auth.json"

  /// The active-account choice of `namespace`.
  public init(home: StateHome, namespace: Namespace) {
    self.home = home
    self.namespace = namespace
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
    if let id = namespace.instanceID,
      let name = try ConfigStore(home: home, namespace: .instance(id), fileName: Self.fileName).read()[
        Self.key]
    {
      return (name, .instance)
    }
    if let name = try ConfigStore(home: home, namespace: .shared, fileName: Self.fileName).read()[Self.key] {
      return (name, .shared)
    }
    let records = try CredentialStore(home: home).records()
    if records.count == 1 { return (records[0].name, .onlyAccount) }
    var error = StateError(
      .credentialsMissing,
      records.isEmpty
        ? "no account is stored in \(home.path)" : "no active account: \(records.count) accounts are stored")
    error.fixRequired =
      records.isEmpty ? "log in to an account first" : "name the account, or choose an active one"
    error.remedy = records.isEmpty ? .logInFirst : .chooseAccount
    throw error
  }

  /// The choice stored for this namespace itself, if any.
  public func stored() throws(StateError) -> String? {
    try ConfigStore(home: home, namespace: namespace, fileName: Self.fileName).read()[Self.key]
  }

  /// The file that holds this namespace's choice (it may not exist yet).
  public var path: String {
    ConfigStore(home: home, namespace: namespace, fileName: Self.fileName).path
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
    try ConfigStore(home: home, namespace: namespace, fileName: Self.fileName)
      .update(timeout: timeout, intent: intent) { $0[Self.key] = account }
  }
}
