package import TandemState

/// One way to authenticate with a tool, as its authentication errors list it
/// (`auth_methods` in the error object): what it is, the command that does it, and what that
/// command still needs from the caller.
///
/// A tool gives its methods in the ``RemedyAdvice`` for a log-in remedy; TandemCLI puts
/// them in every error with that remedy, so that an agent that lacks credentials learns
/// every way to get them from the error itself.
public struct AuthenticationMethod: Sendable, Equatable {
  /// A stable identifier, e.g. `refresh_token_stdin` or `credential_helper`.
  public var method: String
  /// What it is, for people.
  public var description: String
  /// The command line that authenticates this way. Words in ``placeholders`` stand for
  /// values the caller supplies; every other word is meant as it is.
  public var command: String
  /// The words of ``command`` the caller must replace (e.g. `REFRESH_TOKEN_FILE`); empty
  /// when it runs as it is.
  public var placeholders: [String]
  /// What the command reads on standard input (e.g. `refresh_token`), or nil for nothing.
  public var standardInput: String?
  /// Whether it is the method the account uses now, whose settings ``command`` repeats.
  public var current: Bool

  /// A method with its command; see the properties.
  public init(
    method: String, description: String, command: String, placeholders: [String] = [],
    standardInput: String? = nil, current: Bool = false
  ) {
    self.method = method
    self.description = description
    self.command = command
    self.placeholders = placeholders
    self.standardInput = standardInput
    self.current = current
  }

  /// Its member of `auth_methods`.
  package var json: JSONValue {
    .object([
      ("method", .string(method)),
      ("description", .string(description)),
      ("command", .string(command)),
      ("placeholders", .array(placeholders.map { .string($0) })),
      ("stdin", .optional(standardInput)),
      ("current", .bool(current)),
    ])
  }

  /// `auth_methods`: the methods as a JSON array.
  package static func json(_ methods: [AuthenticationMethod]) -> JSONValue {
    .array(methods.map(\.json))
  }
}
