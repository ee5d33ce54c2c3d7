/// Obtains a new token set for an account. Implement it to plug your own provider into
/// ``CredentialStore``; ``OAuthRefresher`` and ``CommandRefresher`` are the built-in ones.
///
/// The store calls it with the account's lock held, at most once per needed refresh across
/// all processes, and never with a refresh token another process has already used.
public protocol TokenRefresher: Sendable {
  /// Returns new tokens, or throws a ``RefreshFailure``.
  func refresh(_ request: RefreshRequest) throws(RefreshFailure) -> TokenSet
}

/// Obtains a new token set for an account without blocking a thread: the refresher for a
/// provider reached through an async HTTP client. Pass it to ``CredentialStore``'s
/// suspending `token` and `refresh` (called with `await`).
///
/// The store calls it exactly as it calls a ``TokenRefresher``: with the account's lock
/// held, at most once per needed refresh across all processes (synchronous and suspending
/// callers alike), and never with a refresh token another process has already used. It
/// should finish within ``RefreshRequest/timeoutMilliseconds``: the lock is held meanwhile.
public protocol AsyncTokenRefresher: Sendable {
  /// Returns new tokens, or throws a ``RefreshFailure``.
  func refresh(_ request: RefreshRequest) async throws(RefreshFailure) -> TokenSet
}

/// What a refresher gets.
public struct RefreshRequest: Sendable {
  /// The account being refreshed.
  public var account: String
  /// Its source.
  public var source: CredentialSource
  /// The refresh token to use, if one is stored. A secret.
  public var refreshToken: String?
  /// How long the refresher may take in all, in milliseconds.
  public var timeoutMilliseconds: Int64
}

/// Why a refresh failed, classified so that the caller can act.
public struct RefreshFailure: Error, Sendable, CustomStringConvertible {
  /// The classes of failure.
  public enum Kind: Sendable, Equatable {
    /// `invalid_grant`: the refresh token is expired, revoked or already used.
    case invalidGrant
    /// The client is denied for good.
    case accessDenied
    /// A temporary failure: the endpoint is down, overloaded or unreachable.
    case unavailable
    /// No answer within the timeout: the provider may have rotated the token or not.
    case timeout
    /// The answer was not a token.
    case malformed
    /// The helper program (or `curl`) cannot be found: retrying does not help until it is
    /// installed or the command is corrected.
    case programMissing
    /// The helper program (or `curl`) exists but cannot be executed (permissions, format).
    case programNotRunnable
    /// The local setup is incomplete (e.g. the client secret's variable is not set), so
    /// nothing was sent to the provider.
    case localSetup
  }

  /// What kind of failure this is.
  public var kind: Kind
  /// A description without secrets (the provider's `error_description`, an HTTP status).
  /// The store redacts it again before it reaches a message.
  public var detail: String
  /// What to change before trying again, when the refresher knows.
  public var fix: String?
  /// A new refresh token that came with an answer refused for another reason (say, an
  /// `expires_in` out of range). The provider has already rotated, and the old token is
  /// spent, so the store keeps this one: losing it would lose the grant.
  public var rotatedRefreshToken: String?

  /// A failure of `kind`, described by `detail` (without secrets).
  public init(_ kind: Kind, _ detail: String, fix: String? = nil, rotatedRefreshToken: String? = nil) {
    self.kind = kind
    self.detail = detail
    self.fix = fix
    self.rotatedRefreshToken = rotatedRefreshToken
  }

  public var description: String { detail }
}
