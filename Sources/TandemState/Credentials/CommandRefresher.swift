/// Refreshes by running the account's credential helper: `/bin/sh -c COMMAND`, with
/// `{"account": ..., "refresh_token": ...}` on standard input (never in its arguments) and
/// `TANDEM_ACCOUNT` in its environment. The helper prints
/// `{"access_token", "expires_in" or "expires_at", "refresh_token"?}` and exits 0.
public struct CommandRefresher: TokenRefresher {
  public init() {}

  public func refresh(_ request: RefreshRequest) throws(RefreshFailure) -> TokenSet {
    guard case .command(let command) = request.source else {
      throw RefreshFailure(.malformed, "account \(request.account) has no helper command")
    }
    let input = JSONWriter.compact(
      .object([("account", .string(request.account)), ("refresh_token", .optional(request.refreshToken))]))
    let result: CapturedProcess.Result
    do {
      result = try CapturedProcess.run(
        ["/bin/sh", "-c", command], input: Array(input.utf8),
        timeoutMilliseconds: request.timeoutMilliseconds,
        extraEnvironment: ["TANDEM_ACCOUNT=\(request.account)"])
    } catch {
      throw RefreshFailure(.unavailable, "cannot run the credential helper: \(error.message)")
    }
    guard let termination = result.termination else {
      throw RefreshFailure(
        .timeout, "the credential helper did not finish within \(request.timeoutMilliseconds) ms")
    }
    // The helper's own output may contain secrets; report only how it ended.
    guard termination == .exited(0) else {
      throw RefreshFailure(.unavailable, "the credential helper failed (status \(termination.shellStatus))")
    }
    return try TokenResponse.parse(result.standardOutput, keeping: request.refreshToken)
  }
}
