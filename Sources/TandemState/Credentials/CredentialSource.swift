/// Where an account's tokens come from.
public enum CredentialSource: Sendable, Equatable {
  /// An OAuth 2.0 token endpoint, refreshed with the `refresh_token` grant (RFC 6749 §6).
  case oauth(OAuthClient)
  /// A credential helper command that prints a token as JSON, in the spirit of AWS
  /// `credential_process`, kubectl exec plugins and git credential helpers.
  case command(String)

  /// The OAuth client of an account.
  public struct OAuthClient: Sendable, Equatable {
    /// The token endpoint.
    public var tokenURL: String
    /// The client id.
    public var clientID: String
    /// The environment variable that holds the client secret, read at refresh time; the
    /// secret itself is never stored.
    public var clientSecretEnvironmentVariable: String?
    /// The scope to request, if any.
    public var scope: String?

    /// Creates a client description.
    public init(
      tokenURL: String, clientID: String, clientSecretEnvironmentVariable: String? = nil, scope: String? = nil
    ) {
      self.tokenURL = tokenURL
      self.clientID = clientID
      self.clientSecretEnvironmentVariable = clientSecretEnvironmentVariable
      self.scope = scope
    }
  }

  var json: JSONValue {
    switch self {
    case .oauth(let client):
      return .object([
        ("kind", "oauth"), ("token_url", .string(client.tokenURL)), ("client_id", .string(client.clientID)),
        ("client_secret_env", .optional(client.clientSecretEnvironmentVariable)),
        ("scope", .optional(client.scope)),
      ])
    case .command(let command):
      return .object([("kind", "command"), ("command", .string(command))])
    }
  }

  init?(json: JSONValue) {
    switch json["kind"]?.stringValue {
    case "oauth":
      guard let url = json["token_url"]?.stringValue, let client = json["client_id"]?.stringValue else {
        return nil
      }
      self = .oauth(
        OAuthClient(
          tokenURL: url, clientID: client,
          clientSecretEnvironmentVariable: json["client_secret_env"]?.stringValue,
          scope: json["scope"]?.stringValue))
    case "command":
      guard let command = json["command"]?.stringValue else { return nil }
      self = .command(command)
    default:
      return nil
    }
  }
}
