import Foundation
import TandemState
import TandemTestSupport
import Testing

/// What an agent learns from auth's envelopes alone: how to get credentials back
/// (`reauth_command`, `auth_methods`), when they expired (`expired_at`), that a login without
/// a token on standard input is refused at once, what a logout does before it does it, and
/// which file every auth write touches.
@Suite("auth: errors and effects an agent can act on", .serialized)
struct AuthAgentContractTests {
  // MARK: Authentication errors say how to authenticate.

  @Test(
    "CREDENTIALS_MISSING carries reauth_command (runnable once its placeholders are filled) and auth_methods")
  func missingCredentials() throws {
    let auth = try AuthHome()
    let home = auth.home
    let none = try home.run(["auth", "token"])
    #expect(none.status == 8 && none.errorCode == "CREDENTIALS_MISSING", "\(none.standardOutput)")
    let reauth = try #require(none.error?["reauth_command"] as? String)
    #expect(
      reauth
        == "tandem auth login --account NAME --token-url TOKEN_URL --client-id CLIENT_ID --home \(home.path) "
        + "--output json < REFRESH_TOKEN_FILE")
    let methods = try #require(none.error?["auth_methods"] as? [[String: Any]])
    #expect(methods.map { $0["method"] as? String } == ["refresh_token_stdin", "credential_helper"])
    #expect(methods[0]["command"] as? String == reauth)
    #expect(methods[0]["stdin"] as? String == "refresh_token")
    #expect(
      methods[0]["placeholders"] as? [String] == ["NAME", "TOKEN_URL", "CLIENT_ID", "REFRESH_TOKEN_FILE"])
    #expect(methods[1]["stdin"] is NSNull)
    #expect(methods[1]["placeholders"] as? [String] == ["NAME", "HELPER_COMMAND"])
    #expect(methods.allSatisfy { $0["current"] as? Bool == false && $0["description"] is String })
    #expect((none.error?["fix_required"] as? String)?.contains(reauth) == true)
    #expect(none.error?["fix_command"] == nil, "a login reads a secret: never a fix_command")

    // The command is the real one: with its placeholders filled in, the shell runs it as it is.
    let token = try auth.server.newGrant()
    let tokenFile = try inputFile(home, "refresh-token", token + "\n")
    let filled = reauth.replacingOccurrences(of: "NAME", with: "work")
      .replacingOccurrences(of: "TOKEN_URL", with: auth.server.tokenURL)
      .replacingOccurrences(of: "CLIENT_ID", with: OAuthTestServer.clientID)
      .replacingOccurrences(of: "REFRESH_TOKEN_FILE", with: tokenFile)
    let binDirectory = (TandemBinary.path as NSString).deletingLastPathComponent
    let login = try TandemBinary.startProgram(
      "/bin/sh", ["-c", filled],
      environment: [
        "PATH": binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
      ]
    ).wait()
    #expect(login.status == 0, "\(filled): \(login.standardOutput) \(login.standardError)")
    #expect(try home.run(["auth", "token"]).status == 0)

    // A named account that is not stored: its name in the command, the rest placeholders.
    let nobody = try home.run(["auth", "token", "--account", "nobody"])
    #expect(nobody.status == 8 && nobody.errorCode == "CREDENTIALS_MISSING")
    #expect(nobody.error?["account"] as? String == "nobody")
    #expect(
      (nobody.error?["reauth_command"] as? String)?.hasPrefix(
        "tandem auth login --account nobody --token-url TOKEN_URL --client-id CLIENT_ID --home ") == true)
    let nobodyMethods = try #require(nobody.error?["auth_methods"] as? [[String: Any]])
    #expect(
      nobodyMethods.map { $0["placeholders"] as? [String] } == [
        ["TOKEN_URL", "CLIENT_ID", "REFRESH_TOKEN_FILE"], ["HELPER_COMMAND"],
      ])
    try expectValidEnvelopes([none, nobody])
  }

  @Test(
    "several accounts and none active: CREDENTIALS_MISSING says to choose one (auth switch --account NAME)")
  func noActiveAccount() throws {
    let helper = try HelperHome()
    for name in ["a", "b", "c"] { try helper.login(name) }
    // The logout clears `a` as the shared default; two accounts remain, none chosen.
    #expect(try helper.home.run(["auth", "logout", "--account", "a"]).status == 0)
    let result = try helper.home.run(["auth", "status"])
    #expect(result.status == 8 && result.errorCode == "CREDENTIALS_MISSING", "\(result.standardOutput)")
    let fix = try #require(result.error?["fix_required"] as? String)
    #expect(fix.contains("tandem auth switch --account NAME --home \(helper.home.path) --output json"))
    #expect(fix.contains("auth list"))
    #expect(result.error?["reauth_command"] is String)
    #expect((result.error?["auth_methods"] as? [Any])?.count == 2)
    try expectValidEnvelopes([result])
  }

  @Test(
    "CREDENTIALS_EXPIRED carries expired_at (RFC 3339 UTC) and expired_at_ms; the helper account's reauth repeats it"
  )
  func expiredCredentials() throws {
    let helper = try HelperHome()
    // A fixed expiry an hour ahead, whole seconds, so that both forms are known exactly.
    let expiry = Int64(Date().timeIntervalSince1970) + 3600
    try helper.answer(#"{"access_token":"at-1","expires_at":\#(expiry)}"#)
    try helper.login("h")
    #expect(try helper.home.run(["auth", "token"]).status == 0)
    try helper.answer(#"{"error":"invalid_grant","error_description":"refresh token expired"}"#, status: 1)
    let expired = try helper.home.run(["auth", "refresh"])
    #expect(expired.status == 8 && expired.errorCode == "CREDENTIALS_EXPIRED", "\(expired.standardOutput)")
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let expiredAt = try #require(expired.error?["expired_at"] as? String)
    #expect(expiredAt.hasSuffix("Z"))
    #expect(formatter.date(from: expiredAt).map { Int64($0.timeIntervalSince1970) } == expiry, "\(expiredAt)")
    #expect(expired.error?["expired_at_ms"] as? Int64 == expiry * 1000)
    // The stored helper is the account's method: the login repeats it, and it comes first.
    let reauth = try #require(expired.error?["reauth_command"] as? String)
    #expect(
      reauth
        == "tandem auth login --account h --refresh-command '\(helper.command.replacingOccurrences(of: "'", with: "'\\''"))' "
        + "--home \(helper.home.path) --output json")
    let methods = try #require(expired.error?["auth_methods"] as? [[String: Any]])
    #expect(methods.map { $0["method"] as? String } == ["credential_helper", "refresh_token_stdin"])
    #expect(methods.map { $0["current"] as? Bool } == [true, false])
    #expect(methods[0]["command"] as? String == reauth)
    #expect(methods[0]["placeholders"] as? [String] == [])

    // Text mode names the login too.
    let text = try TandemBinary.run(helper.home.args(["auth", "refresh"], json: false))
    #expect(text.status == 8)
    #expect(
      text.standardError.contains(
        "log in to account h again: tandem auth login --account h --refresh-command"))
    #expect(text.standardError.contains("[CREDENTIALS_EXPIRED, exit 8]"))

    // An OAuth grant that expired before any access token was obtained: expired_at is null.
    let auth = try AuthHome()
    try auth.login("old", expired: true)
    let fresh = try auth.home.run(["auth", "token", "--account", "old"])
    #expect(fresh.status == 8 && fresh.errorCode == "CREDENTIALS_EXPIRED")
    #expect(fresh.error?["expired_at"] is NSNull && fresh.error?["expired_at_ms"] is NSNull)
    let oauthReauth = try #require(fresh.error?["reauth_command"] as? String)
    #expect(
      oauthReauth
        == "tandem auth login --account old --token-url \(auth.server.tokenURL) --client-id tandem-test "
        + "--home \(auth.home.path) --output json < REFRESH_TOKEN_FILE")
    #expect((fresh.error?["auth_methods"] as? [[String: Any]])?.first?["current"] as? Bool == true)
    try expectValidEnvelopes([expired, fresh])
  }

  // MARK: A login with nothing on standard input is refused at once.

  @Test("auth login with empty standard input: INPUT_MISSING (exit 2) at once, not after --stdin-timeout 60s")
  func emptyStandardInput() throws {
    let home = Home()
    let blank = try inputFile(home, "blank", "\n")
    var results: [TandemBinary.Result] = []
    for input in ["/dev/null", blank] {
      let result = try Self.runBounded(
        TandemBinary.path,
        home.args([
          "auth", "login", "--account", "a", "--token-url", "http://127.0.0.1:9/token", "--client-id", "c",
          "--stdin-timeout", "60s",
        ]), input: input)
      #expect(
        result.status == 2, "\(input): \(result.status) \(result.standardOutput) \(result.standardError)")
      #expect(result.errorCode == "INPUT_MISSING")
      #expect(result.error?["retryable"] as? Bool == false)
      #expect((result.error?["fix_required"] as? String)?.contains("must come on standard input") == true)
      let suggestion = try #require(result.error?["suggestion"] as? String)
      #expect(
        suggestion.contains(
          "tandem auth login --account a --token-url http://127.0.0.1:9/token --client-id c --home \(home.path) "
            + "--output json < REFRESH_TOKEN_FILE"))
      let methods = try #require(result.error?["auth_methods"] as? [[String: Any]])
      #expect(methods.map { $0["method"] as? String } == ["refresh_token_stdin", "credential_helper"])
      results.append(result)
    }
    #expect((results[0].error?["message"] as? String)?.contains("0 bytes") == true)
    #expect((results[1].error?["message"] as? String)?.contains("white space") == true)
    #expect((try home.run(["auth", "list"]).data?["accounts"] as? [Any])?.isEmpty == true)
    try expectValidEnvelopes(results)
  }

  /// Puts a new pseudo-terminal on standard input only, then runs `sys.argv[1:]`: standard
  /// output stays a pipe for the envelope.
  static let onTerminal =
    "import os, pty, sys\nm, s = pty.openpty()\nos.dup2(s, 0)\nos.execv(sys.argv[1], sys.argv[1:])"

  /// Whether this system gives working pseudo-terminals (some sandboxes have none that
  /// `isatty` accepts); without one the terminal test is reported as skipped, not passed.
  static let pseudoTerminalWorks: Bool = {
    guard
      let probe = try? TandemBinary.startProgram(
        "/usr/bin/env", ["python3", "-c", onTerminal, "/bin/sh", "-c", "test -t 0"]
      ).wait()
    else { return false }
    return probe.status == 0
  }()

  @Test(
    "auth login with a terminal on standard input: INPUT_MISSING at once",
    .enabled(if: pseudoTerminalWorks, "this system has no pseudo-terminal that isatty accepts"))
  func terminalStandardInput() throws {
    let home = Home()
    let script = Self.onTerminal
    let result = try Self.runBounded(
      "/usr/bin/env",
      ["python3", "-c", script, TandemBinary.path]
        + home.args([
          "auth", "login", "--account", "a", "--token-url", "http://127.0.0.1:9/token", "--client-id", "c",
          "--stdin-timeout", "60s",
        ]), input: nil)
    #expect(result.status == 2, "\(result.standardOutput) \(result.standardError)")
    #expect(result.errorCode == "INPUT_MISSING")
    #expect((result.error?["message"] as? String)?.contains("terminal") == true)
    try expectValidEnvelopes([result])
  }

  // MARK: A logout says what it removes, and --dry-run removes nothing.

  @Test("auth logout --dry-run changes no byte under the home and reports the effect the logout then has")
  func logoutDryRun() throws {
    let helper = try HelperHome()
    let home = helper.home
    try helper.login("work")  // the shared default
    try helper.login("other")
    #expect(try home.run(["auth", "switch", "--account", "work"], instance: "i1").status == 0)
    #expect(try home.run(["auth", "switch", "--account", "other"], instance: "i2").status == 0)
    #expect(try home.run(["config", "set", "k=v"], instance: "i3").status == 0)
    #expect(try home.run(["auth", "token", "--account", "work"]).status == 0)

    let before = try Self.treeDigest(home.path)
    let dry = try home.run(["auth", "logout", "--account", "work", "--dry-run"], instance: "i2")
    let missing = try home.run(["auth", "logout", "--account", "nobody", "--dry-run"])
    #expect(try Self.treeDigest(home.path) == before, "a dry run changed the home")
    #expect(missing.status == 8 && missing.errorCode == "CREDENTIALS_MISSING")

    #expect(dry.status == 0, "\(dry.standardOutput) \(dry.standardError)")
    let data = try #require(dry.data)
    #expect(data["dry_run"] as? Bool == true && data["removed"] as? Bool == false)
    #expect((data["cleared_active"] as? [Any])?.isEmpty == true)
    #expect(data["write_scope"] as? String == "shared")
    #expect(data["path"] as? String == home.path + "/credentials/work.json")
    let effect = try #require(data["effect"] as? [String: Any])
    #expect(effect["accounts"] as? [String] == ["work"])
    #expect(effect["delete_files"] as? [String] == [home.path + "/credentials/work.json"])
    let clearing = try #require(effect["clear_active_account"] as? [[String: Any]])
    #expect(clearing.map { $0["scope"] as? String } == ["shared", "instance"])
    #expect(clearing.map { $0["instance_id"] as? String } == [nil, "i1"])
    #expect(
      clearing.map { $0["path"] as? String } == [
        home.path + "/auth.json", home.path + "/instances/i1/auth.json",
      ])
    #expect(
      (dry.envelope?["warnings"] as? [String])?.contains { $0.contains("would remove it for all instances") }
        == true)

    let real = try home.run(["auth", "logout", "--account", "work"], instance: "i2")
    #expect(real.status == 0, "\(real.standardOutput) \(real.standardError)")
    let done = try #require(real.data)
    #expect(done["dry_run"] as? Bool == false && done["removed"] as? Bool == true)
    #expect(
      NSDictionary(dictionary: try #require(done["effect"] as? [String: Any]))
        == NSDictionary(dictionary: effect),
      "the logout did what its dry run said")
    #expect(done["write_scope"] as? String == "shared" && done["path"] as? String == data["path"] as? String)
    #expect((done["cleared_active"] as? [[String: Any]])?.count == 2)
    // And it is so on disk: the file is gone, the two choices cleared, i2's kept.
    #expect(!FileManager.default.fileExists(atPath: home.path + "/credentials/work.json"))
    #expect(try home.run(["auth", "status"], instance: "i1").data?["account"] as? String != "work")
    #expect(try home.run(["auth", "status"], instance: "i2").data?["account"] as? String == "other")
    let text = try TandemBinary.run(
      home.args(["auth", "logout", "--account", "other", "--dry-run"], json: false))
    #expect(text.status == 0 && text.standardOutput.contains("dry run: would log out other"))
    #expect(text.standardOutput.contains("nothing was changed"))
    try expectValidEnvelopes([dry, missing, real])
  }

  // MARK: Every auth write names its scope and its file.

  @Test("login, switch, token and refresh report write_scope and the path they wrote")
  func writeScopes() throws {
    let helper = try HelperHome()
    let home = helper.home
    let first = try home.run(["auth", "login", "--account", "a", "--refresh-command", helper.command])
    #expect(first.data?["write_scope"] as? String == "shared")
    #expect(first.data?["path"] as? String == home.path + "/credentials/a.json")
    #expect(first.data?["active_path"] as? String == home.path + "/auth.json")
    #expect(first.data?["active_write_scope"] as? String == "shared")
    let second = try home.run(["auth", "login", "--account", "b", "--refresh-command", helper.command])
    #expect(second.data?["active"] as? Bool == false)
    #expect(second.data?["active_path"] is NSNull && second.data?["active_write_scope"] is NSNull)
    let inInstance = try home.run(
      ["auth", "login", "--account", "c", "--refresh-command", helper.command], instance: "i1")
    #expect(inInstance.data?["active_path"] as? String == home.path + "/instances/i1/auth.json")
    #expect(inInstance.data?["active_write_scope"] as? String == "instance")

    let switched = try home.run(["auth", "switch", "--account", "b"], instance: "i2")
    #expect(switched.data?["write_scope"] as? String == "instance")
    #expect(switched.data?["path"] as? String == home.path + "/instances/i2/auth.json")
    let shared = try home.run(["auth", "switch", "--account", "b"])
    #expect(shared.data?["write_scope"] as? String == "shared")
    #expect(shared.data?["path"] as? String == home.path + "/auth.json")

    let refreshed = try home.run(["auth", "token", "--account", "a"])
    #expect(
      refreshed.data?["refreshed"] as? Bool == true && refreshed.data?["write_scope"] as? String == "shared")
    #expect(refreshed.data?["path"] as? String == home.path + "/credentials/a.json")
    let cached = try home.run(["auth", "token", "--account", "a"])
    #expect(cached.data?["refreshed"] as? Bool == false && cached.data?["write_scope"] is NSNull)
    let forced = try home.run(["auth", "refresh", "--account", "a"])
    #expect(forced.data?["write_scope"] as? String == "shared")
    for result in [first, second, inInstance, switched, shared, refreshed, cached, forced] {
      let path = try #require(result.data?["path"] as? String)
      #expect(FileManager.default.fileExists(atPath: path), "\(path)")
    }
    try expectValidEnvelopes([first, second, inInstance, switched, shared, refreshed, cached, forced])
  }

  // MARK: Helpers

  /// Every envelope valid against the CLI Agent Spec's schema.
  func expectValidEnvelopes(_ results: [TandemBinary.Result]) throws {
    let problems = try SchemaValidator.validateEnvelopes(results.map { ($0.standardOutput, $0.status) })
    #expect(problems.isEmpty, "\(problems)")
  }

  /// Runs a program to its end, killing it if it has not ended after 20 s: a process that
  /// waits for its 60 s standard-input timeout then shows as killed, and the test cannot hang.
  static func runBounded(_ executable: String, _ arguments: [String], input: String?) throws
    -> TandemBinary.Result
  {
    let started =
      executable == TandemBinary.path
      ? try TandemBinary.start(arguments, input: input) : try TandemBinary.startProgram(executable, arguments)
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      if done.wait(timeout: .now() + 20) == .timedOut { kill(started.pid, SIGKILL) }
    }
    let result = started.wait()
    done.signal()
    #expect(result.status != 128 + SIGKILL, "killed after 20 s: it waited for standard input")
    return result
  }

  /// Every entry under `root`: its kind, mode, and bytes (a file's contents, a link's
  /// target). Equal exactly when nothing under `root` changed, byte for byte.
  static func treeDigest(_ root: String) throws -> [String: String] {
    var entries: [String: String] = [:]
    let enumerator = try #require(FileManager.default.enumerator(atPath: root))
    while let relative = enumerator.nextObject() as? String {
      let path = root + "/" + relative
      var info = stat()
      #expect(lstat(path, &info) == 0, "\(path)")
      let kind = info.st_mode & S_IFMT
      var bytes = Data()
      if kind == S_IFREG {
        bytes = try #require(FileManager.default.contents(atPath: path))
      } else if kind == S_IFLNK {
        bytes = Data(try FileManager.default.destinationOfSymbolicLink(atPath: path).utf8)
      }
      entries[relative] = "\(kind) \(String(info.st_mode & 0o7777, radix: 8)) \(bytes.base64EncodedString())"
    }
    #expect(!entries.isEmpty)
    return entries
  }
}
