/// Accounts and their tokens, whatever store keeps them: what a tool's `auth` commands use
/// when the store is chosen at run time (``StateBackend/credentialStore()``).
///
/// ``CredentialStore`` (the home's files) and ``AccountCredentials`` (any
/// ``AccountRecordStore``, such as a database shared by several hosts) conform, with the
/// same single-flight refresh and the same generations. Code that knows its store at compile
/// time uses the concrete type: a call through this protocol goes through its witness table.
public protocol CredentialStoring: Sendable {
  /// Where the accounts are, for messages.
  var location: String { get }

  /// Where an account's record is, for messages.
  func path(of account: String) -> String

  /// Reads an account without taking its lock.
  func record(_ account: String) throws(StateError) -> AccountRecord

  /// Every stored account, sorted by name.
  func records() throws(StateError) -> [AccountRecord]

  /// Stores an account (replacing one of the same name) with its first refresh token.
  @discardableResult
  func login(
    account: String, source: CredentialSource, refreshToken: String?, timeout: LockTimeout, intent: LockIntent
  ) throws(StateError) -> AccountRecord

  /// Removes an account's stored tokens under its lock.
  func logout(account: String, timeout: LockTimeout, intent: LockIntent) throws(StateError)

  /// A valid access token, refreshed first (once across every process the store serves)
  /// when the stored one is not valid for `minimumValidity` more.
  func token(
    account: String, minimumValidity: Duration, timeout: LockTimeout, intent: LockIntent,
    refresher: any TokenRefresher
  ) throws(StateError) -> AccountToken

  /// The 401 recovery step: refreshes only if the account is still at `generation`.
  func refresh(
    account: String, ifGeneration generation: UInt64?, timeout: LockTimeout, intent: LockIntent,
    refresher: any TokenRefresher
  ) throws(StateError) -> AccountToken

  /// ``token(account:minimumValidity:timeout:intent:refresher:)-(_,_,_,_,TokenRefresher)``
  /// for async callers.
  func token(
    account: String, minimumValidity: Duration, timeout: LockTimeout, intent: LockIntent,
    refresher: any AsyncTokenRefresher
  ) async throws(StateError) -> AccountToken

  /// ``refresh(account:ifGeneration:timeout:intent:refresher:)-(_,_,_,_,TokenRefresher)``
  /// for async callers.
  func refresh(
    account: String, ifGeneration generation: UInt64?, timeout: LockTimeout, intent: LockIntent,
    refresher: any AsyncTokenRefresher
  ) async throws(StateError) -> AccountToken
}

extension CredentialStore: CredentialStoring {
  /// The state home's path.
  public var location: String { home.path }
}

extension AccountCredentials: CredentialStoring {
  /// Where the store keeps the accounts.
  public var location: String { store.location }
}
