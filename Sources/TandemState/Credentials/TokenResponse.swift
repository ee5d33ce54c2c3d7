/// Reads the JSON a token endpoint or a credential helper prints.
enum TokenResponse {
  /// `{"access_token", "expires_in" or "expires_at", "refresh_token"?, "token_type"?}`, or an
  /// OAuth error `{"error": "invalid_grant", "error_description"?}` (RFC 6749 §5.2).
  ///
  /// A response without a refresh token keeps the current one (providers that do not
  /// rotate omit it). `expires_at` may be epoch seconds or an RFC 3339 timestamp; an answer
  /// with neither, or with a value out of range (``TokenExpiry``), is refused, never
  /// guessed. When an answer is refused but carries a usable new refresh token, the failure
  /// hands it on (``RefreshFailure/rotatedRefreshToken``) so that the store keeps it.
  static func parse(
    _ bytes: [UInt8], keeping currentRefreshToken: String?, now: Int64 = SystemClock.wallMilliseconds(),
    redactor: Redactor = Redactor()
  ) throws(RefreshFailure) -> TokenSet {
    guard bytes.count <= CredentialLimits.maximumAnswerBytes else {
      throw RefreshFailure(
        .malformed,
        "the answer is \(bytes.count) bytes, over the \(CredentialLimits.maximumAnswerBytes)-byte limit")
    }
    guard let json = try? JSONParser.parse(bytes), case .object = json else {
      throw RefreshFailure(.malformed, "the answer is not a JSON object")
    }
    if let code = json["error"]?.stringValue {
      throw providerError(
        code: code, description: json["error_description"]?.stringValue, status: nil, redactor: redactor)
    }
    // The new refresh token first: whatever else is wrong with the answer, the provider has
    // rotated, and the new token must survive.
    var rotated: String?
    if let value = json["refresh_token"], value != .null, value != .string("") {
      guard let text = value.stringValue, tokenProblem(text) == nil else {
        throw RefreshFailure(
          .malformed,
          "the refresh_token in the answer is unusable (\(value.stringValue.flatMap(tokenProblem) ?? "not a string")); "
            + "it could not be stored, and the provider may have rotated the old one away",
          fix: "log in again if the next refresh is refused")
      }
      rotated = text
    }
    func refused(_ detail: String) -> RefreshFailure {
      RefreshFailure(
        .malformed, detail, fix: "fix the token endpoint or helper answer", rotatedRefreshToken: rotated)
    }
    guard let access = json["access_token"]?.stringValue, !access.isEmpty else {
      throw refused("the answer has no access_token")
    }
    if let problem = tokenProblem(access) {
      throw refused("the access_token in the answer is unusable (\(problem))")
    }
    let expires: Int64
    switch TokenExpiry.from(json, now: now) {
    case .success(let value): expires = value
    case .failure(let problem): throw refused(problem.message)
    }
    var tokenType = "Bearer"
    if let type = json["token_type"]?.stringValue, !type.isEmpty, type.utf8.count <= 64,
      tokenProblem(type) == nil
    {
      tokenType = type
    }
    return TokenSet(
      accessToken: access, expiresAtMilliseconds: expires, refreshToken: rotated ?? currentRefreshToken,
      tokenType: tokenType)
  }

  /// Why `token` cannot be stored, or nil: empty, over ``CredentialLimits/maximumTokenBytes``,
  /// or holding control characters (which no token has, and which would garble a file).
  static func tokenProblem(_ token: String) -> String? {
    let count = token.utf8.count
    if count == 0 { return "empty" }
    if count > CredentialLimits.maximumTokenBytes {
      return "\(count) bytes, over the \(CredentialLimits.maximumTokenBytes)-byte limit"
    }
    if token.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "it holds control characters" }
    return nil
  }

  /// The failure an OAuth error code stands for (RFC 6749 §5.2), from a token endpoint or a
  /// helper that prints `{"error": ...}`. The provider's own text is redacted and bounded.
  static func providerError(code: String, description: String?, status: Int?, redactor: Redactor)
    -> RefreshFailure
  {
    let shownCode = bounded(redactor.redact(code), 64)
    let shownDescription = description.map {
      ": " + bounded(redactor.redact($0), CredentialLimits.providerTextBytes)
    }
    let detail = "\(shownCode)\(shownDescription ?? "")"
    switch code {
    case "invalid_grant":
      return RefreshFailure(.invalidGrant, detail)
    case "invalid_client", "unauthorized_client", "access_denied", "unsupported_grant_type", "invalid_scope":
      return RefreshFailure(.accessDenied, detail)
    case "temporarily_unavailable", "server_error", "slow_down":
      return RefreshFailure(.unavailable, detail)
    default:
      return RefreshFailure(status == 401 || status == 403 ? .accessDenied : .malformed, detail)
    }
  }

  /// `text` cut to at most `limit` bytes on a character boundary, control characters
  /// shown as spaces so that a message stays one line.
  static func bounded(_ text: String, _ limit: Int) -> String {
    var result = ""
    var used = 0
    for character in text {
      let piece =
        character.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F } ? String(character) : " "
      guard used + piece.utf8.count <= limit else { return result + "..." }
      result += piece
      used += piece.utf8.count
    }
    return result
  }
}
