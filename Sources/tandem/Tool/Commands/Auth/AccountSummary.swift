import TandemCLI
import TandemState

/// What `auth status` and `auth list` show of an account: never a token.
///
/// Its members depend on the kind of account: an OAuth account has `token_url` and
/// `client_id`, a helper account `command`; the other kind's members are absent, not `null`.
struct AccountSummary: Encodable {
  let record: AccountRecord

  init(_ record: AccountRecord) { self.record = record }

  /// `oauth` or `command`, as the JSON's `kind` says.
  var kind: String {
    switch record.source {
    case .oauth: return "oauth"
    case .command: return "command"
    }
  }

  var state: String {
    guard let tokens = record.tokens, !tokens.accessToken.isEmpty else { return "no access token yet" }
    let left = tokens.remaining()
    return left > .zero
      ? "valid for \(left.components.seconds) s (generation \(record.generation))"
      : "expired (generation \(record.generation))"
  }

  private enum CodingKeys: CodingKey {
    case account, kind, tokenURL, clientID, command, generation, expiresAt, valid, hasRefreshToken
    case refreshInterrupted
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(record.name, forKey: .account)
    switch record.source {
    case .oauth(let client):
      try container.encode("oauth", forKey: .kind)
      try container.encode(client.tokenURL, forKey: .tokenURL)
      try container.encode(client.clientID, forKey: .clientID)
    case .command(let command):
      try container.encode("command", forKey: .kind)
      try container.encode(command, forKey: .command)
    }
    let tokens = record.tokens.flatMap { $0.accessToken.isEmpty ? nil : $0 }
    try container.encode(Int64(clamping: record.generation), forKey: .generation)
    // `null` without an access token: encoded as an optional, so that it is never left out.
    let expiresAt: String? = tokens.map { SystemClock.iso8601(wallMilliseconds: $0.expiresAtMilliseconds) }
    try container.encode(expiresAt, forKey: .expiresAt)
    try container.encode(tokens?.isValid(forAtLeast: .zero) ?? false, forKey: .valid)
    try container.encode(record.tokens?.refreshToken != nil, forKey: .hasRefreshToken)
    try container.encode(record.interruptedRefresh != nil, forKey: .refreshInterrupted)
  }
}

/// What `auth status` answers: the account's summary and where the choice of account came
/// from.
struct AccountStatus: CommandResult {
  let summary: AccountSummary
  /// `explicit`, `instance`, `shared` or `only_account`.
  let origin: String

  private enum CodingKeys: CodingKey { case origin }

  /// The summary's members, then `origin`, in one object.
  func encode(to encoder: any Encoder) throws {
    try summary.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(origin, forKey: .origin)
  }

  var text: String? { TextEscaping.escape("\(summary.record.name) (\(origin)): \(summary.state)") }
}

/// What `auth list` answers: every stored account, the active one marked.
struct AccountList: CommandResult {
  /// One stored account.
  struct Account: Encodable {
    let summary: AccountSummary
    /// Whether it is this namespace's active account.
    let active: Bool

    private enum CodingKeys: CodingKey { case active }

    /// The summary's members, then `active`, in one object.
    func encode(to encoder: any Encoder) throws {
      try summary.encode(to: encoder)
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(active, forKey: .active)
    }
  }

  let accounts: [Account]
  /// Whether the text goes to a terminal, where it is a table under a header.
  var terminal = false

  /// Only the accounts are data.
  private enum CodingKeys: CodingKey { case accounts }

  // Stored data, escaped like every text rendering of it (the tab is the separator). At a
  // terminal, a table under a header; otherwise the lines scripts read, unchanged.
  var text: String? {
    guard !terminal else {
      return TextTable(
        header: ["", "ACCOUNT", "KIND", "STATE"],
        rows: accounts.map {
          [$0.active ? "*" : "", $0.summary.record.name, $0.summary.kind, $0.summary.state]
        }
      ).rendered(forTerminal: true)
    }
    return accounts.map {
      "\($0.active ? "* " : "  ")\(TextEscaping.escape($0.summary.record.name))\t\(TextEscaping.escape($0.summary.state))"
    }.joined(separator: "\n")
  }
}
