/// Accounts and their tokens under `credentials/` in the home: one shared token set per
/// account, refreshed at most once across all processes.
///
/// The single flight: a caller that needs a refresh takes the account's lock, reads the
/// record again, refreshes only if it still needs to, saves the new tokens atomically (mode
/// 0600) and releases. Everyone who waited meanwhile then finds the new token and uses it.
/// The lock is held across the network call, so the refresh's own timeout is kept below the
/// lock timeout, and a lock timeout never leads to a refresh without the lock.
///
/// The algorithm is ``AccountCredentials``'s, shared with the stores of other backends; this
/// type runs it on the files of a state home, specialized for them (`auth token` calls it
/// on every use).
public struct CredentialStore: Sendable {
  /// The state home.
  public var home: StateHome { credentials.store.home }

  /// The directory of account files.
  public static let directoryName = "credentials"

  /// The outcome of ``token(account:minimumValidity:timeout:intent:refresher:)-(_,_,_,_,TokenRefresher)``
  /// and ``refresh(account:ifGeneration:timeout:intent:refresher:)-(_,_,_,_,TokenRefresher)``, and
  /// of their suspending forms.
  public typealias TokenResult = AccountToken

  /// The single flight on the home's files.
  let credentials: AccountCredentials<FileAccountRecords>

  /// The credential store of `home`.
  public init(home: StateHome) {
    credentials = AccountCredentials(store: FileAccountRecords(home: home))
  }

  /// The account file's path.
  public func path(of account: String) -> String {
    credentials.path(of: account)
  }

  /// Reads an account without taking its lock.
  public func record(_ account: String) throws(StateError) -> AccountRecord {
    try credentials.record(account)
  }

  /// Every stored account, sorted by name.
  public func records() throws(StateError) -> [AccountRecord] {
    try credentials.records()
  }

  /// Stores an account (replacing one of the same name) with its first refresh token.
  @discardableResult
  public func login(
    account: String, source: CredentialSource, refreshToken: String?, timeout: LockTimeout, intent: LockIntent
  ) throws(StateError) -> AccountRecord {
    try credentials.login(
      account: account, source: source, refreshToken: refreshToken, timeout: timeout, intent: intent)
  }

  /// Removes an account's stored tokens under its lock.
  public func logout(account: String, timeout: LockTimeout, intent: LockIntent) throws(StateError) {
    try credentials.logout(account: account, timeout: timeout, intent: intent)
  }

  /// A valid access token: the stored one if it is valid for at least `minimumValidity`
  /// milliseconds more, else a new one from a single-flight refresh.
  ///
  /// Blocks the calling thread while it waits for the account's lock and for `refresher`;
  /// from async code, pass an ``AsyncTokenRefresher`` to the suspending overload.
  public func token(
    account: String, minimumValidity: Duration, timeout: LockTimeout, intent: LockIntent,
    refresher: any TokenRefresher
  ) throws(StateError) -> TokenResult {
    try credentials.token(
      account: account, minimumValidity: minimumValidity, timeout: timeout, intent: intent,
      refresher: refresher)
  }

  /// The 401 recovery step: refreshes only if the account is still at `generation`; if
  /// another process refreshed since, returns its newer token without contacting the
  /// provider. Without `generation`, refreshes unconditionally, still one at a time.
  ///
  /// Blocks the calling thread while it waits; from async code, pass an
  /// ``AsyncTokenRefresher`` to the suspending overload.
  public func refresh(
    account: String, ifGeneration generation: UInt64?, timeout: LockTimeout, intent: LockIntent,
    refresher: any TokenRefresher
  ) throws(StateError) -> TokenResult {
    try credentials.refresh(
      account: account, ifGeneration: generation, timeout: timeout, intent: intent, refresher: refresher)
  }

  /// A valid access token, as ``token(account:minimumValidity:timeout:intent:refresher:)``
  /// returns it, for async callers: the task is suspended, not a thread blocked, while it
  /// waits for the account's lock and for `refresher`.
  ///
  /// The same single flight across processes: a caller that needs a refresh takes the
  /// account's lock (shared with the blocking calls and every other process), reads the
  /// record again and refreshes only if it still needs to; everyone who waited meanwhile
  /// finds the new token. A task cancelled while it waits for the lock stops waiting at once
  /// with ``StateError/Code/cancelled``, and nothing was sent or written. (Once the request
  /// is out, the refresher decides what cancellation means; its answer is stored either
  /// way, since the provider may have rotated the token.)
  public func token(
    account: String, minimumValidity: Duration, timeout: LockTimeout, intent: LockIntent,
    refresher: any AsyncTokenRefresher
  ) async throws(StateError) -> TokenResult {
    try await credentials.token(
      account: account, minimumValidity: minimumValidity, timeout: timeout, intent: intent,
      refresher: refresher)
  }

  /// The 401 recovery step, as ``refresh(account:ifGeneration:timeout:intent:refresher:)``
  /// takes it, for async callers: refreshes only if the account is still at `generation`,
  /// else returns the newer token another caller stored, with the task suspended while it
  /// waits. Cancellation as for the suspending `token`.
  public func refresh(
    account: String, ifGeneration generation: UInt64?, timeout: LockTimeout, intent: LockIntent,
    refresher: any AsyncTokenRefresher
  ) async throws(StateError) -> TokenResult {
    try await credentials.refresh(
      account: account, ifGeneration: generation, timeout: timeout, intent: intent, refresher: refresher)
  }

  /// Checks what `auth login` would store: an https token URL (http only to loopback), a
  /// valid client-secret variable name, a non-empty helper command.
  public static func validate(_ source: CredentialSource) throws(StateError) {
    switch source {
    case .oauth(let client):
      if let problem = TokenEndpoint.problem(client.tokenURL) {
        var error = StateError(
          .invalidArgument, "the token URL \(InstanceID.quoted(client.tokenURL)) is refused: \(problem)")
        error.fixRequired = "pass the provider's https:// token endpoint"
        throw error
      }
      guard !client.clientID.isEmpty, !client.clientID.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
      else {
        throw StateError(
          .invalidArgument, "the client id must be a non-empty string without control characters")
      }
      if let variable = client.clientSecretEnvironmentVariable {
        let bytes = Array(variable.utf8)
        let valid =
          !bytes.isEmpty && bytes.count <= 256 && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[0])
          && bytes.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
              || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
              || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
          }
        guard valid else {
          throw StateError(
            .invalidArgument,
            "the client secret variable \(InstanceID.quoted(variable)) is not an environment variable name "
              + "(letters, digits and _, not starting with a digit); pass the variable's name, not the secret"
          )
        }
      }
    case .command(let command):
      guard !command.utf8.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) else {
        throw StateError(.invalidArgument, "the credential helper command is empty")
      }
    }
  }

  /// Why `tokens` from a refresher cannot be stored as they are, or nil.
  static func problem(with tokens: TokenSet) -> String? {
    if let problem = TokenResponse.tokenProblem(tokens.accessToken) {
      return "an access token that is \(problem)"
    }
    if let refresh = tokens.refreshToken, let problem = TokenResponse.tokenProblem(refresh) {
      return "a refresh token that is \(problem)"
    }
    if tokens.expiresAtMilliseconds < 0
      || tokens.expiresAtMilliseconds > CredentialLimits.latestExpiryMilliseconds
    {
      return "an expiry (\(tokens.expiresAtMilliseconds) ms since the epoch) outside 1970 to 9999"
    }
    if tokens.tokenType.isEmpty || TokenResponse.tokenProblem(tokens.tokenType) != nil
      || tokens.tokenType.utf8.count > 64
    {
      return "an unusable token type"
    }
    return nil
  }
}
