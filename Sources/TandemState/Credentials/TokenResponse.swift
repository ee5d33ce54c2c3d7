/// Reads the JSON a token endpoint or a credential helper prints.
enum TokenResponse {
  /// `{"access_token", "expires_in" or "expires_at", "refresh_token"?, "token_type"?}`.
  /// A response without a refresh token keeps the current one (providers that do not
  /// rotate omit it). `expires_at` may be epoch seconds or an RFC 3339 timestamp; with
  /// neither, the token is taken to last an hour.
  static func parse(_ bytes: [UInt8], keeping currentRefreshToken: String?) throws(RefreshFailure) -> TokenSet
  {
    guard let json = try? JSONParser.parse(bytes), case .object = json else {
      throw RefreshFailure(.malformed, "the answer is not a JSON object")
    }
    guard let access = json["access_token"]?.stringValue, !access.isEmpty else {
      throw RefreshFailure(.malformed, "the answer has no access_token")
    }
    let now = SystemClock.wallMilliseconds()
    var expires = now + 3_600_000
    if let seconds = json["expires_in"]?.integerValue
      ?? json["expires_in"]?.stringValue.flatMap({ Int64($0) })
    {
      let (sum, overflow) = now.addingReportingOverflow(milliseconds(seconds))
      expires = overflow ? (seconds < 0 ? .min : .max) : sum
    } else if let at = json["expires_at"] {
      if let seconds = at.integerValue {
        expires = milliseconds(seconds)
      } else if let text = at.stringValue, let parsed = SystemClock.parseRFC3339(text) {
        expires = parsed
      } else {
        throw RefreshFailure(.malformed, "expires_at is neither epoch seconds nor an RFC 3339 timestamp")
      }
    }
    // An absurd lifetime must not crash the tool, nor make every later reader's arithmetic
    // overflow: keep the expiry within the instants a timestamp can name.
    expires = SystemClock.clampedToTimestamps(expires)
    let refresh = json["refresh_token"]?.stringValue ?? currentRefreshToken
    return TokenSet(
      accessToken: access, expiresAtMilliseconds: expires, refreshToken: refresh,
      tokenType: json["token_type"]?.stringValue ?? "Bearer")
  }

  /// `seconds` in milliseconds, saturating instead of trapping on overflow.
  private static func milliseconds(_ seconds: Int64) -> Int64 {
    let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    return overflow ? (seconds < 0 ? .min : .max) : product
  }
}
