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

  /// A token set whose access token expires `lifetime` from now, as a provider's
  /// `expires_in` says: what a ``TokenRefresher`` or ``AsyncTokenRefresher`` returns. The
  /// expiry saturates rather than overflows; the store refuses one past the year 9999.
  public init(
    accessToken: String, expiresIn lifetime: Duration, refreshToken: String?, tokenType: String = "Bearer"
  ) {
    let (expiry, overflow) = SystemClock.wallMilliseconds().addingReportingOverflow(
      lifetime.wholeMilliseconds)
    self.init(
      accessToken: accessToken, expiresAtMilliseconds: overflow ? (lifetime > .zero ? .max : .min) : expiry,
      refreshToken: refreshToken, tokenType: tokenType)
  }

  /// Whether the access token is still valid `minimum` from now (a negative minimum counts
  /// as none: an expired token is never valid).
  public func isValid(forAtLeast minimum: Duration) -> Bool {
    isValid(forAtLeast: minimum, now: SystemClock.wallMilliseconds())
  }

  /// ``isValid(forAtLeast:)`` at `now`, in milliseconds since the epoch.
  func isValid(forAtLeast minimum: Duration, now: Int64) -> Bool {
    !accessToken.isEmpty && remaining(now: now) > max(.zero, minimum)
  }

  /// How long the access token has left (negative once it has expired), to the millisecond.
  public func remaining() -> Duration {
    remaining(now: SystemClock.wallMilliseconds())
  }

  /// ``remaining()`` at `now`, in milliseconds since the epoch, saturating instead of
  /// overflowing: an expiry read from a file or given by a caller may be any Int64.
  func remaining(now: Int64) -> Duration {
    let (left, overflow) = expiresAtMilliseconds.subtractingReportingOverflow(now)
    guard overflow else { return .milliseconds(left) }
    return .milliseconds(expiresAtMilliseconds > now ? Int64.max : Int64.min)
  }
}
