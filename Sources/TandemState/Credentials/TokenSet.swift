/// The tokens of one account, as last obtained.
public struct TokenSet: Sendable, Equatable {
  /// The access token. A secret.
  public var accessToken: String
  /// When the access token expires, in milliseconds since the epoch.
  public var expiresAtMilliseconds: Int64
  /// The refresh token, when the provider issued one. A secret.
  public var refreshToken: String?
  /// The token type, usually `Bearer`.
  public var tokenType: String

  /// Creates a token set.
  public init(
    accessToken: String, expiresAtMilliseconds: Int64, refreshToken: String?, tokenType: String = "Bearer"
  ) {
    self.accessToken = accessToken
    self.expiresAtMilliseconds = expiresAtMilliseconds
    self.refreshToken = refreshToken
    self.tokenType = tokenType
  }

  /// Whether the access token is still valid `minimumMilliseconds` from now (a negative
  /// minimum counts as 0: an expired token is never valid).
  public func isValid(forAtLeast minimumMilliseconds: Int64, now: Int64 = SystemClock.wallMilliseconds())
    -> Bool
  {
    !accessToken.isEmpty && remainingMilliseconds(now: now) > max(0, minimumMilliseconds)
  }

  /// How long the access token has left, saturating instead of overflowing: an expiry read
  /// from a file or given by a caller may be any Int64.
  public func remainingMilliseconds(now: Int64 = SystemClock.wallMilliseconds()) -> Int64 {
    let (left, overflow) = expiresAtMilliseconds.subtractingReportingOverflow(now)
    guard overflow else { return left }
    return expiresAtMilliseconds > now ? Int64.max : Int64.min
  }
}
