import ArgumentParser
import TandemCLI
import TandemState

/// `tandem auth switch`
struct AuthSwitch: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "switch",
    abstract: "Choose the active account: this instance's only (with --instance-id), else the shared default."
  )


  @Option(help: "The account.") var account: String

  func execute(in context: CommandContext) throws -> CommandOutput {
    try InstanceID.validateName(account, kind: "account name")
    _ = try AuthSupport.withReauthHint(account: account, context: context) {
      try CredentialStore(home: context.options.home).record(account)
    }
    try ActiveAccount(home: context.options.home, namespace: context.options.namespace)
      .switchTo(account, timeout: context.options.lockTimeout, intent: context.intent(account))
    let scope = context.options.instanceID == nil ? "shared" : "instance"
    let data: JSONValue = .object([
      ("account", .string(account)), ("scope", .string(scope)),
      ("instance_id", .optional(context.options.instanceID?.rawValue)),
    ])
    return CommandOutput(data: data, text: "active account: \(account) (\(scope))")
  }
}

/// `tandem auth status`
struct AuthStatus: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Show the active account and its token's state (no secrets).")


  @Option(help: "The account (default: the active one).") var account: String?

  func execute(in context: CommandContext) throws -> CommandOutput {
    let (name, origin) = try AuthSupport.account(account, in: context)
    let record = try AuthSupport.withReauthHint(account: name, context: context) {
      try CredentialStore(home: context.options.home).record(name)
    }
    let summary = AccountSummary(record)
    var members = summary.members
    members.append(("origin", .string(origin.rawValue)))
    return CommandOutput(
      data: .object(members), text: TextEscaping.escape("\(name) (\(origin.rawValue)): \(summary.state)"))
  }
}

/// `tandem auth list`
struct AuthList: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List stored accounts (no secrets).")


  func execute(in context: CommandContext) throws -> CommandOutput {
    let records = try CredentialStore(home: context.options.home).records()
    let active = try? ActiveAccount(home: context.options.home, namespace: context.options.namespace)
      .resolve(explicit: nil).name
    let entries: [JSONValue] = records.map { record in
      var members = AccountSummary(record).members
      members.append(("active", .bool(record.name == active)))
      return .object(members)
    }
    // Stored data, escaped like every text rendering of it (the tab is the separator).
    let text = records.map {
      "\($0.name == active ? "* " : "  ")\(TextEscaping.escape($0.name))\t\(TextEscaping.escape(AccountSummary($0).state))"
    }
    return CommandOutput(data: .object([("accounts", .array(entries))]), text: text.joined(separator: "\n"))
  }
}

/// `tandem auth logout`
struct AuthLogout: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "logout",
    abstract: "Remove an account's stored tokens (default: the active account), for every instance.",
    discussion: """
      Token sets are shared by all instances, so logging out removes the account for every \
      instance, also when --instance-id is given (the output says so). Every namespace whose \
      active account it was (the shared default, instances' own choices) is cleared, so that none \
      points at an account that is gone. To stop using an account in one instance only, use \
      auth switch there instead.
      """)


  @Option(help: "The account (default: the active one).") var account: String?

  func execute(in context: CommandContext) throws -> CommandOutput {
    let name = try AuthSupport.account(account, in: context).name
    let home = context.options.home
    try AuthSupport.withReauthHint(account: name, context: context) {
      try CredentialStore(home: home)
        .logout(account: name, timeout: context.options.lockTimeout, intent: context.intent(name))
    }
    // The account is gone; no namespace may keep it as its active account.
    var cleared: [Namespace] = []
    do {
      cleared = try ActiveAccount.forget(
        name, home: home, timeout: context.options.lockTimeout, intent: context.intent(name))
    } catch {
      context.warn(
        "the account was removed, but clearing it as the active account failed: \(error); "
          + "run auth switch --account OTHER where it was active")
    }
    if let id = context.options.instanceID {
      context.warn(
        "account \(name) is shared by every instance: logging out in instance \(id.rawValue) removed it for all "
          + "instances (to stop using it in one instance only, run auth switch there instead)")
    }
    let clearedJSON: [JSONValue] = cleared.map { namespace in
      if let id = namespace.instanceID {
        return .object([("scope", "instance"), ("instance_id", .string(id.rawValue))])
      }
      return .object([("scope", "shared"), ("instance_id", .null)])
    }
    let clearedText = cleared.map { $0.instanceID.map { "instance \($0.rawValue)" } ?? "the shared default" }
    var text = "logged out \(name) for every instance (its tokens are shared)"
    if !clearedText.isEmpty {
      text += "; it is no longer the active account of " + clearedText.joined(separator: ", ")
    }
    return CommandOutput(
      data: .object([
        ("account", .string(name)), ("removed", .bool(true)), ("scope", "all_instances"),
        ("cleared_active", .array(clearedJSON)),
      ]), text: text)
  }
}

/// What `auth status` and `auth list` show of an account: never a token.
struct AccountSummary {
  let record: AccountRecord

  init(_ record: AccountRecord) { self.record = record }

  var state: String {
    guard let tokens = record.tokens, !tokens.accessToken.isEmpty else { return "no access token yet" }
    let left = tokens.remainingMilliseconds()
    return left > 0
      ? "valid for \(left / 1000) s (generation \(record.generation))"
      : "expired (generation \(record.generation))"
  }

  var members: [(String, JSONValue)] {
    var members: [(String, JSONValue)] = [("account", .string(record.name))]
    switch record.source {
    case .oauth(let client):
      members += [
        ("kind", "oauth"), ("token_url", .string(client.tokenURL)), ("client_id", .string(client.clientID)),
      ]
    case .command(let command):
      members += [("kind", "command"), ("command", .string(command))]
    }
    let tokens = record.tokens.flatMap { $0.accessToken.isEmpty ? nil : $0 }
    members += [
      ("generation", .integer(Int64(clamping: record.generation))),
      (
        "expires_at",
        tokens.map { .string(SystemClock.iso8601(wallMilliseconds: $0.expiresAtMilliseconds)) } ?? .null
      ),
      ("valid", .bool(tokens?.isValid(forAtLeast: 0) ?? false)),
      ("has_refresh_token", .bool(record.tokens?.refreshToken != nil)),
      ("refresh_interrupted", .bool(record.interruptedRefresh != nil)),
    ]
    return members
  }
}
