/// Refreshes with an HTTP form POST of the `refresh_token` grant (RFC 6749 §6).
///
/// The request goes through the system's `curl`, with the form (refresh token and client
/// secret included) on its standard input, never in its arguments. A refresh is rare, and
/// keeping HTTP and TLS out of the binary keeps every other command's start-up as small as
/// it was (docs/benchmarks.md).
public struct OAuthRefresher: TokenRefresher {
  /// The `curl` to run.
  public var curl: String
  /// Reads an environment variable (the client secret); injectable for tests.
  public var environment: @Sendable (String) -> String?

  /// A refresher using `curl` from `PATH`.
  public init(curl: String = "curl", environment: @escaping @Sendable (String) -> String? = { _ in nil }) {
    self.curl = curl
    self.environment = environment
  }

  public func refresh(_ request: RefreshRequest) throws(RefreshFailure) -> TokenSet {
    guard case .oauth(let client) = request.source else {
      throw RefreshFailure(.malformed, "account \(request.account) is not an OAuth account")
    }
    // Checked again here, not only at login: an account file may predate the rule.
    if let problem = TokenEndpoint.problem(client.tokenURL) {
      throw RefreshFailure(
        .localSetup, "the token URL \(InstanceID.quoted(client.tokenURL)) is refused: \(problem)",
        fix: "log in again with an https:// token URL")
    }
    guard let refreshToken = request.refreshToken, !refreshToken.isEmpty else {
      throw RefreshFailure(.invalidGrant, "no refresh token is stored")
    }
    var form = [
      ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", client.clientID),
    ]
    var secret: String?
    if let variable = client.clientSecretEnvironmentVariable {
      // A local setup problem, not the provider's answer: nothing has been sent yet.
      guard let value = environment(variable), !value.isEmpty else {
        throw RefreshFailure(
          .localSetup,
          "the client secret variable \(variable) is not set in this environment (it is read at refresh "
            + "time and never stores it); nothing was sent to the provider",
          fix: "set \(variable) in the environment that runs the tool")
      }
      secret = value
      form.append(("client_secret", value))
    }
    if let scope = client.scope { form.append(("scope", scope)) }
    let body = form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
    let redactor = Redactor(secrets: [refreshToken, secret])

    let limit = min(
      max(request.timeoutMilliseconds, CredentialLimits.minimumRefreshMilliseconds),
      CredentialLimits.longestRefresherMilliseconds)
    let seconds = Double(limit) / 1000
    let arguments = [
      curl, "--silent", "--show-error", "--proto", "=http,https", "--max-time", String(seconds),
      "--header", "Content-Type: application/x-www-form-urlencoded", "--header", "Accept: application/json",
      "--data-binary", "@-", "--write-out", "\n%{http_code}", client.tokenURL,
    ]
    let result: CapturedProcess.Result
    do {
      // curl stops itself at --max-time; the extra second is for it to say so.
      result = try CapturedProcess.run(arguments, input: Array(body.utf8), timeoutMilliseconds: limit + 1000)
    } catch {
      throw ProgramDiagnostics.spawnFailure(
        error, program: curl, fix: "install curl (e.g. apt-get install curl) or put it on PATH")
    }
    let errors = ProgramDiagnostics.stderrClause(result.standardError, who: "curl", redactor: redactor)
    guard let termination = result.termination else {
      throw RefreshFailure(.timeout, "no answer from \(client.tokenURL) within \(seconds) s")
    }
    switch termination {
    case .exited(0): break
    case .exited(28): throw RefreshFailure(.timeout, "no answer from \(client.tokenURL) within \(seconds) s")
    // curl's own exit codes stop well below these: they are the shell's (or a spawner's)
    // "not found" and "cannot execute".
    case .exited(127):
      throw RefreshFailure(
        .programMissing, "\(InstanceID.quoted(curl)) was not found (exit 127)\(errors)",
        fix: "install curl (e.g. apt-get install curl) or put it on PATH")
    case .exited(126):
      throw RefreshFailure(
        .programNotRunnable, "\(InstanceID.quoted(curl)) cannot be executed (exit 126)\(errors)",
        fix: "install curl (e.g. apt-get install curl) or put it on PATH")
    case .exited(let status):
      throw RefreshFailure(.unavailable, "cannot reach \(client.tokenURL) (curl exit \(status))\(errors)")
    case .signaled(let signal):
      throw RefreshFailure(.unavailable, "curl was killed by signal \(signal)\(errors)")
    }
    var output = result.standardOutput
    guard let newline = output.lastIndex(of: 0x0A),
      let status = Int(String(decoding: output[(newline + 1)...], as: UTF8.self))
    else { throw RefreshFailure(.malformed, "no HTTP status from \(client.tokenURL)") }
    output.removeSubrange(newline...)
    switch status {
    case 200...299:
      do {
        return try TokenResponse.parse(output, keeping: refreshToken, redactor: redactor)
      } catch {
        var failure = error
        failure.detail = "\(client.tokenURL) answered HTTP \(status): \(failure.detail)"
        throw failure
      }
    case 429, 500...599:
      throw RefreshFailure(.unavailable, "\(client.tokenURL) answered HTTP \(status)")
    default:
      let json = output.count <= CredentialLimits.maximumAnswerBytes ? try? JSONParser.parse(output) : nil
      guard let code = json?["error"]?.stringValue else {
        throw RefreshFailure(
          status == 401 || status == 403 ? .accessDenied : .malformed,
          "\(client.tokenURL) refused the refresh (HTTP \(status))")
      }
      var failure = TokenResponse.providerError(
        code: code, description: json?["error_description"]?.stringValue, status: status, redactor: redactor)
      failure.detail = "\(client.tokenURL) refused the refresh (\(failure.detail))"
      throw failure
    }
  }

  /// `application/x-www-form-urlencoded` encoding of one name or value.
  static func formEncode(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
        out.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let hex = String(byte, radix: 16, uppercase: true)
        out += "%" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return out
  }
}
