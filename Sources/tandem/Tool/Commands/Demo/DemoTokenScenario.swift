import TandemState

/// 3. Token refresh: agents need an access token at the same moment, from a provider that
/// rotates refresh tokens (a refresh token works once). Without tandem each agent refreshes
/// with the refresh token it finds stored, and all but the first are refused: logged out.
/// With tandem each runs `tandem auth token`: one refresh across all processes, and every
/// agent gets the same valid token.
///
/// The provider is ``DemoTokenEndpoint``, on 127.0.0.1, which counts the refresh requests.
/// tandem's OAuth refresh runs `curl`, and so do the agents without tandem: without curl the
/// scenario is skipped.
struct DemoTokenScenario: DemoScenario {
  let workspace: DemoWorkspace
  let agents = 8

  func run(_ narration: DemoNarration) throws(DemoInterruption.Interrupted) -> DemoScenarioResult {
    narration.line(
      "3. Token refresh: \(agents) agents need an access token at the same moment; the provider rotates\n"
        + "   refresh tokens (each works once), as strict OAuth providers do.")
    var result = DemoScenarioResult(
      name: "token-refresh", title: "OAuth token refresh", agents: agents, eachAgent: "1 token")
    guard workspace.find("curl") != nil else {
      result.skipped =
        "curl is not installed here (tandem's OAuth refresh runs curl; install it, e.g. apt-get install curl)"
      narration.line("   skipped: " + result.skipped!)
      return result
    }
    let endpoint: DemoTokenEndpoint
    do {
      endpoint = try DemoTokenEndpoint.start()
    } catch {
      result.skipped = "the demo could not start its token endpoint on 127.0.0.1: \(error.reason)"
      narration.line("   skipped: " + result.skipped!)
      return result
    }
    defer { endpoint.stop() }
    narration.line("   The token endpoint is the demo's own, at \(endpoint.url).")
    result.withoutTandem = try withoutTandem(endpoint, narration)
    result.withTandem = try withTandem(endpoint, narration)
    return result
  }

  /// Each agent: read the stored refresh token, POST it, store the new one.
  private func withoutTandem(_ endpoint: DemoTokenEndpoint, _ narration: DemoNarration)
    throws(DemoInterruption.Interrupted) -> DemoSide
  {
    narration.line(
      "   without tandem: each agent reads the stored refresh token, POSTs it with curl, stores the new one")
    let file = workspace.path("refresh-token")
    do {
      try DemoFile.write(endpoint.newGrant("without"), to: file)
    } catch {
      narration.line("     -> FAILED: cannot write \(file)")
      return DemoSide(expected: agents, kept: 0, failedCommands: 1, summary: "failed: cannot write \(file)")
    }
    // Prints "ok" with a token, "logged-out" when the provider refused the refresh token,
    // else "error" and what curl got (no answer at all, say).
    let script = """
      rt=$(cat "$2")
      answer=$(printf 'grant_type=refresh_token&refresh_token=%s&client_id=%s' "$rt" "$4" |
        curl --silent --max-time 10 --data-binary @- \\
          --header 'Content-Type: application/x-www-form-urlencoded' "$3")
      case $answer in
        *'"access_token"'*)
          new=${answer#*\\"refresh_token\\":\\"}; new=${new%%\\"*}
          printf '%s' "$new" > "$2"
          echo ok ;;
        *invalid_grant*) echo logged-out ;;
        *) echo "error: ${answer:-no answer from $3}" ;;
      esac
      """
    let results = try DemoProcess.waitAll(
      (1...agents).map { _ in workspace.agent(script, [file, endpoint.url, DemoTokenEndpoint.clientID]) })
    let kept = results.filter { $0.standardOutput.hasPrefix("ok") }.count
    let loggedOut = results.filter { $0.standardOutput.hasPrefix("logged-out") }.count
    let errors = results.filter {
      !$0.standardOutput.hasPrefix("ok") && !$0.standardOutput.hasPrefix("logged-out")
    }
    let counts = endpoint.counts("without")
    var side = DemoSide(
      expected: agents, kept: kept, failedCommands: agents - kept, refreshRequests: counts.requests,
      distinctTokens: counts.issued.count, summary: "")
    side.summary =
      side.lost == 0
      ? "no loss this time"
      : "\(loggedOut) of \(agents) logged out, \(DemoNarration.count(counts.requests, "refresh", plural: "refreshes"))"
        + (errors.isEmpty ? "" : ", \(errors.count) errors")
    narration.line(
      "     -> \(DemoNarration.count(counts.requests, "refresh request")); "
        + "\(DemoNarration.count(kept, "agent")) got a token, "
        + (loggedOut > 0
          ? "\(loggedOut) were refused (invalid_grant: their refresh token had been used): logged out"
          : "none was refused" + (errors.isEmpty ? ": no loss this time (races are timing-dependent)" : "")))
    if let error = errors.first {
      narration.line(
        "        \(DemoNarration.count(errors.count, "agent")) failed otherwise, e.g. \(error.standardOutput.lastLine)"
      )
    }
    return side
  }

  /// Each agent: `tandem auth token`, after one `tandem auth login`.
  private func withTandem(_ endpoint: DemoTokenEndpoint, _ narration: DemoNarration)
    throws(DemoInterruption.Interrupted) -> DemoSide
  {
    narration.line(
      "   with tandem: one `tandem auth login` (refresh token on standard input), then each agent runs\n"
        + "   `tandem auth token`")
    let login = workspace.tandem(
      [
        "auth", "login", "--account", "demo", "--token-url", endpoint.url, "--client-id",
        DemoTokenEndpoint.clientID,
      ], input: Array((endpoint.newGrant("with") + "\n").utf8)
    ).wait()
    guard login.status == 0 else {
      let detail = "tandem auth login exited \(login.status): " + login.standardError.lastLine
      narration.line("     -> FAILED: " + detail)
      return DemoSide(expected: agents, kept: 0, failedCommands: 1, held: false, summary: "failed: " + detail)
    }
    let results = try DemoProcess.waitAll(
      (1...agents).map { _ in workspace.tandem(["--output", "json", "auth", "token"]) })
    let counts = endpoint.counts("with")
    var tokens: [String] = []
    var refreshed = 0
    var failed = 0
    var firstError = ""
    for result in results {
      let data = (try? JSONParser.parse(result.standardOutput))?["data"]
      guard result.status == 0, let token = data?["access_token"]?.stringValue else {
        failed += 1
        if firstError.isEmpty {
          let error = (try? JSONParser.parse(result.standardOutput))?["error"]?["message"]?.stringValue
          firstError = "exit \(result.status): " + (error ?? result.standardError.lastLine)
        }
        continue
      }
      tokens.append(token)
      if data?["refreshed"]?.boolValue == true { refreshed += 1 }
    }
    // Valid: the one access token the endpoint issued for this grant.
    let valid = counts.issued.count == 1 ? tokens.filter { $0 == counts.issued[0] }.count : 0
    var side = DemoSide(
      expected: agents, kept: valid, failedCommands: failed, refreshRequests: counts.requests,
      distinctTokens: Set(tokens).count, summary: "")
    side.held = valid == agents && counts.requests == 1 && refreshed == 1
    side.summary =
      "\(side.lost) of \(agents) logged out, \(counts.requests) refresh"
      + (counts.requests == 1 ? "" : "es")
    narration.line(
      "     -> \(counts.requests) refresh request\(counts.requests == 1 ? "" : "s") (made by \(refreshed) agent"
        + "\(refreshed == 1 ? "" : "s")); \(valid) of \(agents) agents got the same valid token"
        + (side.held == true
          ? ": nobody logged out"
          : ": THE GUARANTEE DID NOT HOLD" + (firstError.isEmpty ? "" : " (\(firstError))")))
    return side
  }
}
