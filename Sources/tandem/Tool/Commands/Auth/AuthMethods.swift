import TandemCLI
import TandemState

/// The ways to authenticate with tandem, as its authentication errors list them
/// (`auth_methods`), and the `auth login` command line that restores an account
/// (`reauth_command`).
///
/// There are two, as `auth login` has them: an OAuth client whose refresh token comes on
/// standard input, and a credential helper. When the account is stored, the command of its
/// own method repeats its settings; every other value is a placeholder in capitals.
enum AuthMethods {
  /// The placeholder for an account name not known yet.
  static let accountPlaceholder = "NAME"
  /// The placeholder for the file that holds the refresh token.
  static let tokenFilePlaceholder = "REFRESH_TOKEN_FILE"

  /// The other way in, named in text: `fix_required` is also the text-mode line, which has
  /// no `auth_methods`.
  static let helperHint = "a credential helper: --refresh-command HELPER_COMMAND instead of the OAuth options"

  /// The methods for `account` (nil: not known yet), the one `source` describes first and
  /// filled in with its settings.
  static func all(account: String?, source: CredentialSource?, context: CommandContext)
    -> [AuthenticationMethod]
  {
    let methods =
      [refreshToken(account: account, source: source, context: context)]
      + [helper(account: account, source: source, context: context)]
    return methods.filter(\.current) + methods.filter { !$0.current }
  }

  /// The stored settings of `account`, if it is stored and readable: an error about an
  /// account must not fail again while it is being described.
  static func storedSource(of account: String, context: CommandContext) -> CredentialSource? {
    (try? AuthSupport.credentials(in: context).record(account))?.source
  }

  /// An OAuth client: token endpoint and client id, the refresh token on standard input.
  static func refreshToken(account: String?, source: CredentialSource?, context: CommandContext)
    -> AuthenticationMethod
  {
    var words = ["auth", "login", "--account", account ?? accountPlaceholder]
    var placeholders = account == nil ? [accountPlaceholder] : []
    var current = false
    if case .oauth(let client) = source {
      words += ["--token-url", client.tokenURL, "--client-id", client.clientID]
      if let variable = client.clientSecretEnvironmentVariable { words += ["--client-secret-env", variable] }
      if let scope = client.scope { words += ["--scope", scope] }
      current = true
    } else {
      words += ["--token-url", "TOKEN_URL", "--client-id", "CLIENT_ID"]
      placeholders += ["TOKEN_URL", "CLIENT_ID"]
    }
    return AuthenticationMethod(
      method: "refresh_token_stdin",
      description:
        "an OAuth client (token endpoint and client id; optionally --client-secret-env VAR, the variable "
        + "holding the client secret, and --scope S) with its refresh token on standard input, never on the "
        + "command line",
      command: context.commandLine(words) + " < " + tokenFilePlaceholder,
      placeholders: placeholders + [tokenFilePlaceholder], standardInput: "refresh_token", current: current)
  }

  /// A credential helper: a command that prints a token as JSON.
  static func helper(account: String?, source: CredentialSource?, context: CommandContext)
    -> AuthenticationMethod
  {
    var words = ["auth", "login", "--account", account ?? accountPlaceholder]
    var placeholders = account == nil ? [accountPlaceholder] : []
    var current = false
    if case .command(let command) = source {
      words += ["--refresh-command", command]
      current = true
    } else {
      words += ["--refresh-command", "HELPER_COMMAND"]
      placeholders += ["HELPER_COMMAND"]
    }
    return AuthenticationMethod(
      method: "credential_helper",
      description:
        "a credential helper: a command, run by /bin/sh at each refresh, that prints "
        + #"{"access_token", "expires_in" or "expires_at", "refresh_token"?} as JSON"#,
      command: context.commandLine(words), placeholders: placeholders, current: current)
  }
}
