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
  /// `shared` when this call refreshed and stored the new tokens (credentials are shared by
  /// every instance); `null` when it wrote nothing.
  let writeScope: String?
  /// The account's credentials file: where the token was read, or written when refreshed.
  let path: String

  init(_ result: CredentialStore.TokenResult, path: String) {
    accessToken = result.tokens.accessToken
    expiresAt = SystemClock.iso8601(wallMilliseconds: result.tokens.expiresAtMilliseconds)
    account = result.account
    refreshed = result.refreshed
    generation = Int64(clamping: result.generation)
    writeScope = result.refreshed ? "shared" : nil
    self.path = path
  }

  private enum CodingKeys: CodingKey {
    case accessToken, expiresAt, account, refreshed, generation, writeScope, path
  }

  /// Every member, `write_scope` as `null` rather than left out when nothing was written.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(accessToken, forKey: .accessToken)
    try container.encode(expiresAt, forKey: .expiresAt)
    try container.encode(account, forKey: .account)
    try container.encode(refreshed, forKey: .refreshed)
    try container.encode(generation, forKey: .generation)
    try container.encode(writeScope, forKey: .writeScope)
    try container.encode(path, forKey: .path)
  }
}
