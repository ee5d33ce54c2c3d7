import TandemCLI
import TandemState

/// What `auth token` and `auth refresh` answer: a valid access token. Their text is the token
/// itself (``AuthSupport/withTokenStore(_:in:_:)``).
struct TokenReport: CommandResult {
  let accessToken: String
  let expiresAt: String
  let account: String
  /// Whether this call refreshed it (else another process had, or it was still valid).
  let refreshed: Bool
  /// The generation of the token set.
  let generation: Int64

  init(_ result: CredentialStore.TokenResult) {
    accessToken = result.tokens.accessToken
    expiresAt = SystemClock.iso8601(wallMilliseconds: result.tokens.expiresAtMilliseconds)
    account = result.account
    refreshed = result.refreshed
    generation = Int64(clamping: result.generation)
  }
}
