import Foundation
import TandemTestSupport
import Testing

/// A home with a scriptable credential helper: it records what it receives on standard
/// input and how often it runs, and answers with whatever the test last set.
struct HelperHome {
  let home = Home()
  var helper: String { home.directory.appending("helper.sh") }
  /// The helper run through `sh`, not executed itself: a file just written may still be open
  /// for writing in a child another test is forking at that moment, and executing it would
  /// then fail with ETXTBSY.
  var command: String { "/bin/sh '\(helper)'" }

  init() throws {
    let dir = home.directory.appending("helper")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Data(
      """
      #!/bin/sh
      cat > '\(dir)/last-input'
      echo call >> '\(dir)/calls'
      [ -f '\(dir)/stderr' ] && cat '\(dir)/stderr' >&2
      cat '\(dir)/answer'
      exit $(cat '\(dir)/status' 2>/dev/null || echo 0)
      """.utf8
    ).write(to: URL(fileURLWithPath: helper))
    chmod(helper, 0o755)
    try answer(#"{"access_token":"at-1","expires_in":3600}"#)
  }

  private func file(_ name: String) -> String { home.directory.appending("helper/\(name)") }

  /// What the helper prints next, and with which exit status.
  func answer(_ json: String, status: Int = 0, standardError: String? = nil) throws {
    try Data(json.utf8).write(to: URL(fileURLWithPath: file("answer")))
    try Data("\(status)".utf8).write(to: URL(fileURLWithPath: file("status")))
    if let standardError {
      try Data(standardError.utf8).write(to: URL(fileURLWithPath: file("stderr")))
    } else {
      try? FileManager.default.removeItem(atPath: file("stderr"))
    }
  }

  /// How often the helper ran.
  var calls: Int {
    ((try? String(contentsOfFile: file("calls"), encoding: .utf8)) ?? "").split(separator: "\n").count
  }

  /// What the helper last received on standard input.
  var lastInput: String { (try? String(contentsOfFile: file("last-input"), encoding: .utf8)) ?? "" }

  /// `auth login --account NAME --refresh-command HELPER`.
  func login(_ account: String = "h") throws {
    let result = try home.run(["auth", "login", "--account", account, "--refresh-command", command])
    #expect(result.status == 0, "login failed: \(result.standardOutput) \(result.standardError)")
  }

  /// The stored account file, parsed.
  func stored(_ account: String = "h") throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: home.path + "/credentials/\(account).json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// The stored refresh token of `account`.
  func storedRefreshToken(_ account: String = "h") throws -> String? {
    (try stored(account)["tokens"] as? [String: Any])?["refresh_token"] as? String
  }
}

/// Writes `text` to a new file in `home` and returns its path (for standard input).
func inputFile(_ home: Home, _ name: String, _ text: String) throws -> String {
  let path = home.directory.appending(name)
  try Data(text.utf8).write(to: URL(fileURLWithPath: path))
  return path
}

@Suite("auth: hostile inputs, answers and state files", .serialized)
struct AuthHardeningTests {
  // MARK: Overflow: no answer may crash the tool, and a rotated refresh token survives.

  @Test(
    "a helper's expiry out of range is an envelope naming the field, and its rotated refresh token is kept",
    arguments: [
      (#""expires_in":9223372036854775807"#, "expires_in"),
      (#""expires_in":-9223372036854775808"#, "expires_in"),
      (#""expires_in":0"#, "expires_in"),
      (#""expires_in":1e300"#, "expires_in"),
      (#""expires_in":"soon""#, "expires_in"),
      (#""expires_at":9223372036854775807"#, "expires_at"),
      (#""expires_at":-9223372036854775808"#, "expires_at"),
      (#""expires_at":"2033-02-30T00:00:00Z""#, "expires_at"),
      (#""expires_at":"99999-01-01T00:00:00Z""#, "expires_at"),
      (#""expires_at":1000000000"#, "expires_at"),
      (#""token_type":"Bearer""#, "expires_in"),
    ])
  func helperExpiry(_ member: String, _ field: String) throws {
    let helper = try HelperHome()
    try helper.login()
    try helper.answer(#"{"access_token":"at-1",\#(member),"refresh_token":"rt-rotated-1"}"#)
    let result = try helper.home.run(["auth", "token"])
    #expect(result.status == 1, "\(result.status): \(result.standardOutput) \(result.standardError)")
    #expect(result.errorCode == "REFRESH_FAILED")
    let message = try #require(result.error?["message"] as? String)
    #expect(message.contains(field), "\(message)")
    #expect(!result.standardOutput.contains("at-1"), "the refused access token is not handed out")
    #expect(try helper.storedRefreshToken() == "rt-rotated-1", "the rotated refresh token was kept")
    #expect(try helper.stored()["generation"] as? Int == 1)
    #expect(try helper.stored()["refresh_in_flight"] is NSNull)
  }

  @Test(
    "expires_in 9223372036854775807 from a helper: an envelope, and the next refresh uses the rotated token")
  func helperMaxExpiry() throws {
    let helper = try HelperHome()
    try helper.login()
    try helper.answer(
      #"{"access_token":"at-1","expires_in":9223372036854775807,"refresh_token":"rt-rotated-1"}"#)
    let failed = try helper.home.run(["auth", "token"])
    #expect(failed.status == 1 && failed.errorCode == "REFRESH_FAILED", "\(failed.standardError)")
    #expect(failed.envelope != nil)
    try helper.answer(#"{"access_token":"at-2","expires_in":3600,"refresh_token":"rt-rotated-2"}"#)
    let next = try helper.home.run(["auth", "token"])
    #expect(next.status == 0)
    #expect(next.data?["access_token"] as? String == "at-2")
    #expect(next.data?["generation"] as? Int == 2)
    #expect(
      helper.lastInput.contains("rt-rotated-1"), "the helper got the rotated token: \(helper.lastInput)")
  }

  @Test("expires_in 9223372036854775807 from the token endpoint: an envelope, and the grant survives")
  func endpointMaxExpiry() throws {
    let auth = try AuthHome()
    try auth.login("main")
    try auth.server.configure(#"{"answer_override": {"expires_in": 9223372036854775807}}"#)
    let failed = try auth.home.run(["auth", "token"])
    #expect(failed.status == 1, "\(failed.status) \(failed.standardError)")
    #expect(failed.errorCode == "REFRESH_FAILED")
    #expect((failed.error?["message"] as? String)?.contains("expires_in") == true)
    try auth.server.configure(#"{"answer_override": {}}"#)
    let next = try auth.home.run(["auth", "token"])
    #expect(next.status == 0, "\(next.standardOutput)")
    #expect(next.data?["generation"] as? Int == 2)
    let stats = try auth.server.stats()
    #expect(stats["refreshes"] == 2 && stats["reuse_detected"] == 0, "\(stats)")
  }

  @Test("a state file at the largest generation: refused before anything is sent; login starts again at 0")
  func generationOverflow() throws {
    let helper = try HelperHome()
    try helper.login()
    let file = helper.home.path + "/credentials/h.json"
    var record = try helper.stored()
    record["generation"] = Int64.max
    try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: file))
    let refused = try helper.home.run(["auth", "token"])
    #expect(refused.status == 2 && refused.errorCode == "LIMIT_EXCEEDED", "\(refused.standardError)")
    #expect(helper.calls == 0, "nothing was sent")
    let again = try helper.home.run(["auth", "login", "--account", "h", "--refresh-command", helper.command])
    #expect(again.status == 0 && again.data?["generation"] as? Int == 0, "\(again.standardError)")
    #expect(try helper.home.run(["auth", "token"]).status == 0)
  }

  @Test("a state file with an expiry of Int64.min or Int64.max is reported as corrupt, not a crash")
  func expiryOverflowInStateFile() throws {
    for value in [Int64.min, Int64.max] {
      let helper = try HelperHome()
      try helper.login()
      let file = helper.home.path + "/credentials/h.json"
      var record = try helper.stored()
      record["tokens"] = [
        "access_token": "at-x", "expires_at_ms": value, "refresh_token": "r", "token_type": "Bearer",
      ]
      try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: file))
      for command in [["auth", "status"], ["auth", "token"], ["auth", "list"]] {
        let result = try helper.home.run(command)
        #expect(result.envelope != nil, "\(command) crashed: \(result.status) \(result.standardError)")
        #expect(result.status != 132 && result.status != 134)
      }
      #expect(try helper.home.run(["auth", "token"]).errorCode == "STATE_CORRUPT")
    }
  }

  // MARK: Standard input of `auth login`.

  @Test("auth login refuses more than 64 KiB on standard input with LIMIT_EXCEEDED and stores nothing")
  func loginInputLimit() throws {
    let home = Home()
    let big = try inputFile(home, "big", String(repeating: "a", count: 70_000))
    let result = try TandemBinary.run(
      home.args([
        "auth", "login", "--account", "a", "--token-url", "https://login.example.com/token", "--client-id",
        "c",
      ]),
      input: big)
    #expect(result.status == 2 && result.errorCode == "LIMIT_EXCEEDED", "\(result.standardOutput)")
    #expect((result.error?["message"] as? String)?.contains("65536") == true)
    #expect((try home.run(["auth", "list"]).data?["accounts"] as? [Any])?.isEmpty == true)

    // At the limit exactly (a 65,535-byte token and its newline) it is taken whole.
    let edge = try inputFile(home, "edge", String(repeating: "b", count: 65_535) + "\n")
    let accepted = try TandemBinary.run(
      home.args([
        "auth", "login", "--account", "a", "--token-url", "https://login.example.com/token", "--client-id",
        "c",
      ]),
      input: edge)
    #expect(accepted.status == 0, "\(accepted.standardOutput)")
    let data = try Data(contentsOf: URL(fileURLWithPath: home.path + "/credentials/a.json"))
    let stored = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    #expect(((stored?["tokens"] as? [String: Any])?["refresh_token"] as? String)?.count == 65_535)
  }

  @Test("auth login on a pipe that is never closed gives up at --stdin-timeout with INPUT_TIMEOUT (exit 10)")
  func loginOpenPipe() throws {
    let home = Home()
    let fifo = home.directory.appending("stdin.fifo")
    #expect(mkfifo(fifo, 0o600) == 0)
    // The test holds the write end open, and never closes it while tandem runs.
    let writer = open(fifo, O_RDWR | O_CLOEXEC)
    #expect(writer >= 0)
    defer { close(writer) }
    _ = "rt-partial-token\n".withCString { write(writer, $0, strlen($0)) }
    let started = try TandemBinary.start(
      home.args([
        "auth", "login", "--account", "a", "--token-url", "https://login.example.com/token", "--client-id",
        "c",
        "--stdin-timeout", "1s",
      ]),
      input: fifo)
    // Bounded wait: a hang is killed after 20 s and shows as a signal status.
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      if done.wait(timeout: .now() + 20) == .timedOut { kill(started.pid, SIGKILL) }
    }
    let result = started.wait()
    done.signal()
    #expect(result.status == 10, "\(result.status): \(result.standardOutput) \(result.standardError)")
    #expect(result.errorCode == "INPUT_TIMEOUT")
    #expect((result.error?["retryable"] as? Bool) == false)
    #expect((try home.run(["auth", "list"]).data?["accounts"] as? [Any])?.isEmpty == true)
  }

  // MARK: Programs that cannot be found or run are permanent, and say what is missing.

  @Test("a missing helper program is NOT_FOUND (exit 5), not retryable, and names the program")
  func missingHelper() throws {
    let home = Home()
    #expect(
      try home.run(["auth", "login", "--account", "h", "--refresh-command", "no-such-helper-xyz --role ci"])
        .status
        == 0)
    let result = try home.run(["auth", "token"])
    #expect(result.status == 5 && result.errorCode == "NOT_FOUND", "\(result.standardOutput)")
    #expect(result.error?["retryable"] as? Bool == false)
    #expect((result.error?["message"] as? String)?.contains("no-such-helper-xyz") == true)
  }

  @Test("a helper file that is not executable is PERMISSION_DENIED (exit 7), not retryable")
  func helperNotExecutable() throws {
    let home = Home()
    let path = try inputFile(home, "helper-no-x.sh", "#!/bin/sh\necho '{}'\n")
    chmod(path, 0o644)
    #expect(try home.run(["auth", "login", "--account", "h", "--refresh-command", path]).status == 0)
    let result = try home.run(["auth", "token"])
    #expect(result.status == 7 && result.errorCode == "PERMISSION_DENIED", "\(result.standardOutput)")
    #expect(result.error?["retryable"] as? Bool == false)
  }

  @Test("no curl on PATH is NOT_FOUND (exit 5), not retryable, naming curl")
  func missingCurl() throws {
    let auth = try AuthHome()
    try auth.login("main")
    let result = try TandemBinary.run(
      auth.home.args(["auth", "token"]), environment: ["PATH": auth.home.directory.appending("empty-bin")])
    #expect(result.status == 5 && result.errorCode == "NOT_FOUND", "\(result.standardOutput)")
    #expect(result.error?["retryable"] as? Bool == false)
    #expect((result.error?["message"] as? String)?.contains("curl") == true)
    #expect(try auth.server.stats()["requests"] == 0)
  }

  @Test("a failing helper's standard error is shown, last lines only, with secrets redacted")
  func helperStandardError() throws {
    let helper = try HelperHome()
    try helper.login()
    try helper.answer(#"{"access_token":"at-1","expires_in":60,"refresh_token":"rt-first-0123456789abcdef"}"#)
    #expect(try helper.home.run(["auth", "token", "--min-ttl", "1s"]).status == 0)
    let noise = (1...50).map { "noise line \($0)" }.joined(separator: "\n")
    try helper.answer(
      "", status: 3,
      standardError: noise
        + "\nvault: refusing token rt-first-0123456789abcdef\nsession eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo expired\n"
    )
    let result = try helper.home.run(["auth", "refresh"])
    #expect(result.status == 12 && result.errorCode == "UNAVAILABLE", "\(result.standardOutput)")
    let message = try #require(result.error?["message"] as? String)
    #expect(message.contains("vault: refusing token [REDACTED]"), "\(message)")
    #expect(message.contains("session [REDACTED] expired"), "\(message)")
    #expect(!message.contains("rt-first-0123456789abcdef") && !message.contains("eyJhbGci"))
    #expect(!message.contains("noise line 1 "), "only the last lines")
    #expect(message.utf8.count < 2000)
  }

  // MARK: Provider text is redacted.

  @Test("a provider that echoes the refresh token and client secret: neither reaches the output")
  func providerEcho() throws {
    let auth = try AuthHome()
    try auth.server.configure(#"{"echo_secrets": true}"#)
    let secret = "cs-very-secret-4711-abcdefgh"
    let token = try auth.server.newGrant(expired: true)
    let file = try inputFile(auth.home, "rt", token + "\n")
    let login = try TandemBinary.run(
      auth.home.args([
        "auth", "login", "--account", "old", "--token-url", auth.server.tokenURL, "--client-id",
        OAuthTestServer.clientID, "--client-secret-env", "AUTH_TEST_CLIENT_SECRET",
      ]),
      environment: ["AUTH_TEST_CLIENT_SECRET": secret], input: file)
    #expect(login.status == 0, "\(login.standardOutput)")
    for format in [true, false] {
      let result = try TandemBinary.run(
        auth.home.args(["auth", "token"], json: format), environment: ["AUTH_TEST_CLIENT_SECRET": secret])
      #expect(result.status == 8, "\(result.standardOutput) \(result.standardError)")
      let output = result.standardOutput + result.standardError
      #expect(!output.contains(token) && !output.contains(secret), "\(output)")
      #expect(output.contains("[REDACTED]"), "\(output)")
      #expect(output.contains("refresh token expired"), "the provider's own words remain: \(output)")
    }
  }

  // MARK: Credential edge cases.

  @Test("expires_in shorter than --min-ttl is stored but not returned; a lower --min-ttl then gets it")
  func shortLivedToken() throws {
    let helper = try HelperHome()
    try helper.login()
    try helper.answer(#"{"access_token":"at-short","expires_in":30}"#)
    let refused = try helper.home.run(["auth", "token"])
    #expect(refused.status == 1 && refused.errorCode == "REFRESH_FAILED", "\(refused.standardOutput)")
    #expect((refused.error?["fix_required"] as? String)?.contains("--min-ttl") == true)
    #expect(!refused.standardOutput.contains("at-short"))
    let lower = try helper.home.run(["auth", "token", "--min-ttl", "10s"])
    #expect(lower.status == 0 && lower.data?["access_token"] as? String == "at-short")
    #expect(lower.data?["refreshed"] as? Bool == false)
    #expect(helper.calls == 1)
  }

  @Test(
    "a helper that says invalid_grant exits 8 REFRESH_REVOKED with reauth_command, whatever its exit status",
    arguments: [0, 1])
  func helperInvalidGrant(_ status: Int) throws {
    let helper = try HelperHome()
    try helper.login()
    try helper.answer(
      #"{"error":"invalid_grant","error_description":"revoked by an administrator"}"#, status: status)
    let result = try helper.home.run(["auth", "token"])
    #expect(result.status == 8 && result.errorCode == "REFRESH_REVOKED", "\(result.standardOutput)")
    #expect((result.error?["message"] as? String)?.contains("revoked by an administrator") == true)
    #expect((result.error?["reauth_command"] as? String)?.contains("auth login --account h") == true)
  }

  @Test(
    "an unset --client-secret-env variable is SETUP_REQUIRED (exit 4) naming it; nothing reaches the provider"
  )
  func unsetClientSecret() throws {
    let auth = try AuthHome()
    let token = try auth.server.newGrant()
    let file = try inputFile(auth.home, "rt", token + "\n")
    let login = try TandemBinary.run(
      auth.home.args([
        "auth", "login", "--account", "main", "--token-url", auth.server.tokenURL, "--client-id",
        OAuthTestServer.clientID, "--client-secret-env", "AUTH_TEST_UNSET_SECRET",
      ]), input: file)
    #expect(login.status == 0)
    #expect((login.envelope?["warnings"] as? [String])?.first?.contains("AUTH_TEST_UNSET_SECRET") == true)
    let result = try auth.home.run(["auth", "token"])
    #expect(result.status == 4 && result.errorCode == "SETUP_REQUIRED", "\(result.standardOutput)")
    #expect((result.error?["message"] as? String)?.contains("AUTH_TEST_UNSET_SECRET") == true)
    #expect((result.error?["fix_required"] as? String)?.contains("AUTH_TEST_UNSET_SECRET") == true)
    #expect(try auth.server.stats()["requests"] == 0)
  }

  @Test(
    "plain http to a non-loopback host (and credentials in the URL) are refused at login",
    arguments: [
      "http://login.example.com/token", "http://localhost.example.com/token",
      "http://127.0.0.1@example.com/token",
      "https://user:secret@login.example.com/token", "ftp://login.example.com/token", "http://10.0.0.1/token",
    ])
  func tokenURLRules(_ url: String) throws {
    let home = Home()
    let file = try inputFile(home, "rt", "rt-abc\n")
    let result = try TandemBinary.run(
      home.args(["auth", "login", "--account", "a", "--token-url", url, "--client-id", "c"]), input: file)
    #expect(result.status == 2 && result.errorCode == "INVALID_ARGUMENT", "\(url): \(result.standardOutput)")
    #expect((try home.run(["auth", "list"]).data?["accounts"] as? [Any])?.isEmpty == true)
  }

  @Test(
    "http to loopback stays allowed",
    arguments: ["http://127.0.0.1:8080/token", "http://localhost/t", "http://[::1]:9/t"])
  func loopbackAllowed(_ url: String) throws {
    let home = Home()
    let file = try inputFile(home, "rt", "rt-abc\n")
    let result = try TandemBinary.run(
      home.args(["auth", "login", "--account", "a", "--token-url", url, "--client-id", "c"]), input: file)
    #expect(result.status == 0, "\(url): \(result.standardOutput)")
  }

  @Test(
    "logging out the active account clears it as anyone's active account, and says it was for all instances")
  func logoutClearsActive() throws {
    let helper = try HelperHome()
    try helper.login("alpha")
    try helper.login("beta")
    #expect(try helper.home.run(["auth", "switch", "--account", "alpha"], instance: "i1").status == 0)
    #expect(try helper.home.run(["auth", "switch", "--account", "beta"], instance: "i2").status == 0)
    let out = try helper.home.run(["auth", "logout"])
    #expect(out.status == 0 && out.data?["account"] as? String == "alpha")
    #expect(out.data?["scope"] as? String == "all_instances")
    #expect((out.data?["cleared_active"] as? [Any])?.count == 2, "\(out.standardOutput)")
    // No dangling default: the one account left is used.
    let status = try helper.home.run(["auth", "status"])
    #expect(status.status == 0 && status.data?["account"] as? String == "beta", "\(status.standardOutput)")
    #expect(try helper.home.run(["auth", "status"], instance: "i1").data?["account"] as? String == "beta")
    #expect(try helper.home.run(["auth", "status"], instance: "i2").data?["origin"] as? String == "instance")

    // With an instance id, the output says that every instance lost the account.
    let fromInstance = try helper.home.run(["auth", "logout"], instance: "i2")
    #expect(fromInstance.status == 0)
    let warnings = (fromInstance.envelope?["warnings"] as? [String]) ?? []
    #expect(warnings.contains { $0.contains("all instances") }, "\(warnings)")
    let text = try helper.home.run(["auth", "list"], json: false)
    #expect(text.status == 0 && text.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
  }

  @Test("auth refresh --if-generation of a generation never issued is INVALID_ARGUMENT, with nothing sent")
  func unissuedGeneration() throws {
    let helper = try HelperHome()
    try helper.login()
    #expect(try helper.home.run(["auth", "token"]).data?["generation"] as? Int == 1)
    let result = try helper.home.run(["auth", "refresh", "--if-generation", "99"])
    #expect(result.status == 2 && result.errorCode == "INVALID_ARGUMENT", "\(result.standardOutput)")
    #expect((result.error?["message"] as? String)?.contains("generation 1") == true)
    #expect(helper.calls == 1)
    #expect(
      try helper.home.run(["auth", "refresh", "--if-generation", "1"]).data?["generation"] as? Int == 2)
  }
}
