import ArgumentParser
import TandemCLI
import TandemState

/// `tandem auth login`
struct AuthLogin: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "login",
    abstract:
      "Store an account: an OAuth client with its refresh token (read from standard input), or a helper.",
    discussion: """
      OAuth: --token-url and --client-id, with the refresh token on standard input (never on the \
      command line, which ps shows to everyone); the client secret, if any, is read at refresh \
      time from the environment variable named by --client-secret-env. Helper: --refresh-command \
      'CMD ...' prints {"access_token", "expires_in" or "expires_at", "refresh_token"?}, or \
      {"error": "invalid_grant"} when the grant is gone. The account becomes this namespace's \
      active account if it has none. Standard input is read to its end: at most 64 KiB \
      (65,536 bytes), and it must end within --stdin-timeout (default 30s). Nothing on standard \
      input (empty, only white space, or a terminal) fails at once with INPUT_MISSING (exit 2).
      """
  )

  @Option(help: "The account name.") var account: String
  @Option(
    name: .customLong("token-url"),
    help: ArgumentHelp("The OAuth token endpoint: https:// (http:// only to loopback).", valueName: "url"))
  var tokenURL: String?
  @Option(name: .customLong("client-id"), help: ArgumentHelp("The OAuth client id.", valueName: "id"))
  var clientID: String?
  @Option(
    name: .customLong("client-secret-env"),
    help: ArgumentHelp("Environment variable holding the client secret.", valueName: "variable"))
  var clientSecretEnv: String?
  @Option(help: "The OAuth scope to request.") var scope: String?
  @Option(
    name: .customLong("refresh-command"),
    help: ArgumentHelp("A credential helper command instead of OAuth.", valueName: "command"))
  var refreshCommand: String?
  @Option(
    name: .customLong("stdin-timeout"),
    help: ArgumentHelp("How long to wait for standard input to end (at most 60m).", valueName: "duration"))
  var stdinTimeout: String = AuthSupport.defaultStandardInputTimeout

  func execute(in context: CommandContext) throws -> LoginReport {
    try InstanceID.validateName(account, kind: "account name")
    // Checked before standard input is read: a refresh token read and then dropped over an
    // invalid lock timeout would have to be sent again.
    let lockTimeout = try context.options.lockTimeout
    let source: CredentialSource
    var refreshToken: String?
    if let refreshCommand {
      guard tokenURL == nil, clientID == nil else {
        throw CommandFailure.usage("give either --refresh-command or --token-url with --client-id, not both")
      }
      source = .command(refreshCommand)
    } else {
      guard let tokenURL, let clientID else {
        throw CommandFailure.usage("give --token-url and --client-id (or --refresh-command)")
      }
      source = .oauth(
        .init(
          tokenURL: tokenURL, clientID: clientID, clientSecretEnvironmentVariable: clientSecretEnv,
          scope: scope))
      // Everything on the command line is checked before standard input is waited on.
      try CredentialStore.validate(source)
      let timeout = try LockTimeout.milliseconds(
        parsing: stdinTimeout, what: "standard input timeout", option: "--stdin-timeout")
      refreshToken = try readRefreshToken(source, timeoutMilliseconds: timeout, context: context)
      if let variable = clientSecretEnv, (Environment.value(variable) ?? "").isEmpty {
        context.warn(
          "\(variable) is not set here; it must hold the client secret wherever tandem refreshes this account"
        )
      }
    }
    let store = try AuthSupport.credentials(in: context)
    let record = try store.login(
      account: account, source: source, refreshToken: refreshToken, timeout: lockTimeout,
      intent: context.intent(account))
    let active = try AuthSupport.activeAccount(in: context)
    var madeActive = false
    if try active.stored() == nil {
      try active.switchTo(account, timeout: lockTimeout, intent: context.intent(account))
      madeActive = true
    }
    return LoginReport(
      account: account, kind: refreshCommand == nil ? "oauth" : "command",
      generation: Int64(clamping: record.generation), active: madeActive,
      path: store.path(of: account),
      activePath: madeActive ? active.path : nil,
      activeWriteScope: madeActive ? (context.options.instanceID == nil ? "shared" : "instance") : nil)
  }

  /// Reads the refresh token; with none there, the error shows this very login with the
  /// token redirected from a file, and the other way in.
  private func readRefreshToken(
    _ source: CredentialSource, timeoutMilliseconds: Int64, context: CommandContext
  )
    throws -> String
  {
    do {
      return try AuthSupport.readSecretFromStandardInput(
        what: "refresh token", timeoutMilliseconds: timeoutMilliseconds, option: "--stdin-timeout")
    } catch let error as StateError where error.code == .inputMissing {
      var failure = context.failure(error)
      let methods = AuthMethods.all(account: account, source: source, context: context)
      // In fix_required too: the text-mode line shows it, not the suggestion.
      failure.fixRequired =
        "a refresh token must come on standard input (it is never taken from the command line): "
        + "run \(methods[0].command), the file holding the token"
      failure.suggestion =
        "write the refresh token to a file and run: \(methods[0].command) (or pipe it in: "
        + "printf '%s\\n' \"$REFRESH_TOKEN\" | \(context.toolName) auth login ...)"
      failure.details.append(("account", .string(account)))
      failure.details.append(("auth_methods", AuthenticationMethod.json(methods)))
      throw failure
    }
  }
}

/// What `auth login` answers: the account stored, never a token.
struct LoginReport: CommandResult {
  let account: String
  /// `oauth` or `command` (a credential helper).
  let kind: String
  /// The generation of its token set.
  let generation: Int64
  /// Whether it became this namespace's active account (it had none).
  let active: Bool
  /// The account's credentials file, written.
  let path: String
  /// Credentials are shared by every instance: the credentials file is shared state.
  let writeScope = "shared"
  /// The namespace's `auth.json`, written when the account became its active account;
  /// `null` when it did not.
  let activePath: String?
  /// Where that write went: `instance` (with an instance id) or `shared`; `null` with no
  /// such write.
  let activeWriteScope: String?

  private enum CodingKeys: CodingKey {
    case account, kind, generation, active, path, writeScope, activePath, activeWriteScope
  }

  /// Every member, the optional ones as `null` rather than left out.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(account, forKey: .account)
    try container.encode(kind, forKey: .kind)
    try container.encode(generation, forKey: .generation)
    try container.encode(active, forKey: .active)
    try container.encode(path, forKey: .path)
    try container.encode(writeScope, forKey: .writeScope)
    try container.encode(activePath, forKey: .activePath)
    try container.encode(activeWriteScope, forKey: .activeWriteScope)
  }

  var text: String? { "stored account \(account)" + (active ? " (now active)" : "") }
}
