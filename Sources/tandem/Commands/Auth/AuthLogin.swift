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
      'CMD ...' prints {"access_token", "expires_in" or "expires_at", "refresh_token"?}. The \
      account becomes this namespace's active account if it has none.
      """
  )

  @OptionGroup(title: "Global options") var globals: GlobalOptionsHelp

  @Option(help: "The account name.") var account: String
  @Option(name: .customLong("token-url"), help: "The OAuth token endpoint.") var tokenURL: String?
  @Option(name: .customLong("client-id"), help: "The OAuth client id.") var clientID: String?
  @Option(name: .customLong("client-secret-env"), help: "Environment variable holding the client secret.")
  var clientSecretEnv: String?
  @Option(help: "The OAuth scope to request.") var scope: String?
  @Option(name: .customLong("refresh-command"), help: "A credential helper command instead of OAuth.")
  var refreshCommand: String?

  func execute(in context: CommandContext) throws -> CommandOutput {
    try InstanceID.validateName(account, kind: "account name")
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
      guard tokenURL.hasPrefix("https://") || tokenURL.hasPrefix("http://") else {
        throw CommandFailure.usage("--token-url must be an http:// or https:// URL")
      }
      source = .oauth(
        .init(
          tokenURL: tokenURL, clientID: clientID, clientSecretEnvironmentVariable: clientSecretEnv,
          scope: scope))
      refreshToken = try AuthSupport.readSecretFromStandardInput(what: "refresh token")
    }
    let record = try CredentialStore(home: context.options.home).login(
      account: account, source: source, refreshToken: refreshToken, timeout: context.options.lockTimeout,
      intent: context.intent(account))
    let active = ActiveAccount(home: context.options.home, namespace: context.options.namespace)
    var madeActive = false
    if try active.stored() == nil {
      try active.switchTo(account, timeout: context.options.lockTimeout, intent: context.intent(account))
      madeActive = true
    }
    let data: JSONValue = .object([
      ("account", .string(account)),
      ("kind", .string(refreshCommand == nil ? "oauth" : "command")),
      ("generation", .integer(Int64(record.generation))),
      ("active", .bool(madeActive)),
      ("path", .string(CredentialStore(home: context.options.home).path(of: account))),
    ])
    return CommandOutput(data: data, text: "stored account \(account)" + (madeActive ? " (now active)" : ""))
  }
}
