/// Obtains a new token set for an account. Implement it to plug your own provider into
/// ``CredentialStore``; ``OAuthRefresher`` and ``CommandRefresher`` are the built-in ones.
///
/// The store calls it with the account's lock held, at most once per needed refresh across
/// all processes, and never with a refresh token another process has already used.
public protocol TokenRefresher: Sendable {
  /// Returns new tokens, or throws a ``RefreshFailure``.
  func refresh(_ request: RefreshRequest) throws(RefreshFailure) -> TokenSet
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
  }

  /// What kind of failure this is.
  public var kind: Kind
  /// A description without secrets (the provider's `error_description`, an HTTP status).
  public var detail: String

  public init(_ kind: Kind, _ detail: String) {
    self.kind = kind
    self.detail = detail
  }

  public var description: String { detail }
}
