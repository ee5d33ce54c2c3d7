#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Refreshes by running the account's credential helper: `/bin/sh -c COMMAND`, with
/// `{"account": ..., "refresh_token": ...}` on standard input (never in its arguments) and
/// the account's name in its environment (``ToolIdentity/accountVariable``, e.g.
/// `TANDEM_ACCOUNT`). The helper prints
/// `{"access_token", "expires_in" or "expires_at", "refresh_token"?}` and exits 0, or says the
/// grant is gone with `{"error": "invalid_grant", "error_description"?}` (any exit status),
/// as a token endpoint would.
///
/// A helper that cannot be found or run (the shell's exit 127 and 126) is a permanent
/// failure; any other failure is temporary. Messages show the end of the helper's standard
/// error, bounded and with secrets redacted.
public struct CommandRefresher: TokenRefresher {
  /// The variable that names the account to the helper.
  public let accountVariable: String

  /// A refresher for `.command` accounts of `tool`: the helper finds the account's name in
  /// `tool`'s ``ToolIdentity/accountVariable``.
  public init(tool: ToolIdentity) {
    self.accountVariable = tool.accountVariable
  }

  public func refresh(_ request: RefreshRequest) throws(RefreshFailure) -> TokenSet {
    guard case .command(let command) = request.source else {
      throw RefreshFailure(.malformed, "account \(request.account) has no helper command")
    }
    let redactor = Redactor(secrets: [request.refreshToken])
    let shown = InstanceID.quoted(TokenResponse.bounded(redactor.redact(command), 200))
    let fix = "correct the helper (or PATH), then log in again with the right helper command if it changed"
    let input = JSONWriter.compact(
      .object([("account", .string(request.account)), ("refresh_token", .optional(request.refreshToken))]))
    // Bounded: the deadline is computed by adding this to a clock reading.
    let limit = min(
      max(request.timeoutMilliseconds, CredentialLimits.minimumRefreshMilliseconds),
      CredentialLimits.longestRefresherMilliseconds)
    let result: CapturedProcess.Result
    do {
      result = try CapturedProcess.run(
        ["/bin/sh", "-c", command], input: Array(input.utf8),
        timeoutMilliseconds: limit,
        extraEnvironment: ["\(accountVariable)=\(request.account)"])
    } catch {
      throw ProgramDiagnostics.spawnFailure(
        error, program: "/bin/sh", fix: "install a POSIX shell at /bin/sh")
    }
    let errors = ProgramDiagnostics.stderrClause(result.standardError, who: "the helper", redactor: redactor)
    guard let termination = result.termination else {
      throw RefreshFailure(
        .timeout,
        "the credential helper \(shown) did not finish within \(limit) ms\(errors)")
    }
    // A helper that says the grant is gone, whatever its exit status, is taken at its word.
    if termination != .exited(0), let json = try? JSONParser.parse(result.standardOutput),
      let code = json["error"]?.stringValue
    {
      var failure = TokenResponse.providerError(
        code: code, description: json["error_description"]?.stringValue, status: nil, redactor: redactor)
      failure.detail = "the credential helper refused the refresh (\(failure.detail))"
      throw failure
    }
    switch termination {
    case .exited(0):
      break
    case .exited(127):
      throw RefreshFailure(
        .programMissing,
        "the credential helper \(shown) could not be run: \(Self.missingProgram(command))"
          + "the shell found no program for a command in it (exit 127)\(errors)",
        fix: fix)
    case .exited(126):
      throw RefreshFailure(
        .programNotRunnable,
        "the credential helper \(shown) could not be run: a program it names is not executable (exit 126)\(errors)",
        fix: fix)
    default:
      throw RefreshFailure(
        .unavailable, "the credential helper \(shown) failed (status \(termination.shellStatus))\(errors)")
    }
    do {
      return try TokenResponse.parse(result.standardOutput, keeping: request.refreshToken, redactor: redactor)
    } catch {
      var failure = error
      // Its standard error may say why it printed what it did; shown only if it said anything.
      let said = ProgramDiagnostics.tail(result.standardError, redactor: redactor) == nil ? "" : errors
      failure.detail = "the credential helper \(shown) answered: \(failure.detail)\(said)"
      throw failure
    }
  }

  /// `PROGRAM is not on PATH; ` when the command's first word is a plain program name (or
  /// path) that cannot be found, else nothing: the shell's own message then says more.
  static func missingProgram(_ command: String) -> String {
    let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard let first = words.first.map(String.init), !first.contains("="),
      first.utf8.allSatisfy({ byte in
        !"|&;<>()$`\\\"' *?[#~{}".utf8.contains(byte)
      })
    else { return "" }
    if first.contains("/") {
      return access(first, X_OK) == 0
        ? "" : "\(InstanceID.quoted(first)) does not exist or is not executable; "
    }
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + first
      if access(candidate, X_OK) == 0 { return "" }
    }
    return "\(InstanceID.quoted(first)) is not on PATH; "
  }
}
