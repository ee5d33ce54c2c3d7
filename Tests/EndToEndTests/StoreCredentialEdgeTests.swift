import Foundation
import TandemTestSupport
import Testing

/// The credential guarantees at their edges, on both stores, with real `tandem` processes on
/// hosts of their own: a holder killed mid-refresh, a record edited by hand, and logins,
/// logouts and refreshes of one account racing on different hosts.
@Suite("Both stores: credentials at the edges, with real processes")
struct StoreCredentialEdgeTests {
  typealias Store = StoreConformanceTests.Store

  /// Logs account `name` in to `server`, the refresh token on standard input.
  static func login(_ name: String, store: Store, server: OAuthTestServer) throws -> String {
    let secrets = TemporaryDirectory("tandem-grant")
    let grant = try server.newGrant()
    try Data((grant + "\n").utf8).write(to: URL(fileURLWithPath: secrets.appending("grant")))
    let login = try TandemBinary.run(
      [
        "-o", "json", "auth", "login", "--account", name, "--token-url", server.tokenURL, "--client-id",
        OAuthTestServer.clientID,
      ], environment: store.environment, input: secrets.appending("grant"))
    #expect(login.status == 0, "\(login.standardOutput)")
    return grant
  }

  /// Runs `sql` on the store's schema with psql; its rows, one a line.
  static func psql(_ sql: String, store: Store) throws -> [String] {
    let variables = ProcessInfo.processInfo.environment
    let url = try #require(variables["TANDEM_TEST_POSTGRES_URL"])
    let schema = try #require(store.environment["TANDEM_STORE"]?.components(separatedBy: "schema=").last)
    let result = try TandemBinary.startProgram(
      "/usr/bin/psql",
      [
        Store.psqlURL(url), "-v", "ON_ERROR_STOP=1", "-qAtc", "SET search_path = \(schema); " + sql,
      ], environment: ["PGPASSWORD": variables["TANDEM_TEST_POSTGRES_PASSWORD"] ?? ""]
    ).wait()
    #expect(result.status == 0, "psql: \(result.standardError)")
    return result.standardOutput.split(separator: "\n").map(String.init)
  }

  /// Polls (bounded) until `condition` holds.
  static func waitUntil(_ condition: () throws -> Bool) rethrows -> Bool {
    for _ in 0..<500 {
      if try condition() { return true }
      usleep(10_000)
    }
    return false
  }

  @Test(
    "--lock-timeout 0 (do not wait) still gives a slow provider time: the refresh succeeds and the next one too",
    arguments: StoreConformanceTests.stores)
  func zeroLockTimeoutRefresh(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    let server = try OAuthTestServer()
    _ = try Self.login("ci", store: store, server: server)
    // Slower than 4/5 of any short lock timeout; the provider rotates the refresh token.
    try server.setDelay(milliseconds: 1500)
    let first = try TandemBinary.run(
      ["-o", "json", "--lock-timeout", "0", "auth", "token"], environment: store.agent(host: "host-a"))
    #expect(first.status == 0 && first.data?["refreshed"] as? Bool == true, "\(first.standardOutput)")
    // Had the request been cut short, its mark would stay and this refresh, with the
    // rotated-away token, would be refused (REFRESH_REVOKED).
    let second = try TandemBinary.run(
      ["-o", "json", "--lock-timeout", "0", "auth", "refresh", "--if-generation", "1"],
      environment: store.agent(host: "host-b"))
    #expect(second.status == 0 && second.data?["generation"] as? Int == 2, "\(second.standardOutput)")
    let stats = try server.stats()
    #expect(stats["refreshes"] == 2 && stats["reuse_detected"] == 0, "\(stats)")
  }

  @Test(
    "a holder SIGKILLed mid-refresh: a waiter never refreshes without the lock; the next caller gets the mark (exit 8)",
    arguments: StoreConformanceTests.stores)
  func holderKilledMidRefresh(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    let server = try OAuthTestServer()
    let grant = try Self.login("ci", store: store, server: server)
    try server.setDelay(milliseconds: 3000)
    let victim = try TandemBinary.start(
      ["-o", "json", "auth", "token"], environment: store.agent(host: "host-a"))
    #expect(try Self.waitUntil { try server.stats()["requests"] == 1 }, "the refresh never started")

    // The holder is alive: a caller on another host waits, gives up with exit 6 naming the
    // holder, and sends nothing.
    let waiter = try TandemBinary.run(
      ["-o", "json", "--lock-timeout", "300ms", "auth", "token"], environment: store.agent(host: "host-b"))
    #expect(waiter.status == 6 && waiter.errorCode == "CONCURRENT_MODIFICATION", "\(waiter.standardOutput)")
    if kind == .postgres {
      #expect((waiter.error?["message"] as? String)?.contains("host-a") == true, "\(waiter.standardOutput)")
      // What the server shows of every session: no refresh token in any statement's text.
      let texts = try Self.psql("SELECT query FROM pg_stat_activity", store: store)
      #expect(!texts.contains { $0.contains(grant) }, "a secret in pg_stat_activity")
    }
    #expect(try server.stats()["requests"] == 1, "the waiter sent no request")

    kill(victim.pid, SIGKILL)
    _ = victim.wait()
    // The provider finishes the rotation; the killed holder never stores the new token.
    #expect(try Self.waitUntil { try server.stats()["refreshes"] == 1 })
    try server.setDelay(milliseconds: 0)

    let status = try TandemBinary.run(["-o", "json", "auth", "status"], environment: store.environment)
    #expect(status.data?["refresh_interrupted"] as? Bool == true, "\(status.standardOutput)")
    let next = try TandemBinary.run(
      ["-o", "json", "auth", "token"], environment: store.agent(host: "host-c"))
    #expect(next.status == 8 && next.errorCode == "REFRESH_REVOKED", "\(next.standardOutput)")
    #expect(next.envelopeProblems().isEmpty, "\(next.envelopeProblems())")
    let message = next.error?["message"] as? String ?? ""
    #expect(message.contains("interrupted"), "\(message)")
    if kind == .postgres { #expect(message.contains("\"host-a\""), "the mark names the host: \(message)") }
    #expect(!next.standardOutput.contains(grant) && !next.standardError.contains(grant))
    #expect((next.error?["reauth_command"] as? String)?.contains("auth login --account ci") == true)
    let stats = try server.stats()
    #expect(stats["refreshes"] == 1 && stats["reuse_detected"] == 1, "\(stats)")
    // Nothing was deleted: the account is still listed.
    let list = try TandemBinary.run(["-o", "json", "auth", "list"], environment: store.environment)
    #expect((list.data?["accounts"] as? [[String: Any]])?.map { $0["account"] as? String } == ["ci"])
  }

  @Test(
    "a record edited by hand to name another account: STATE_CORRUPT (4) with a fix, and neither account is overwritten",
    arguments: StoreConformanceTests.stores)
  func recordNamingAnotherAccount(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    try store.login(["alpha", "beta"], tokenPrefix: "t")
    // beta's record now says it is alpha's (copied over, or edited).
    let home = try #require(store.environment["TANDEM_HOME"])
    let alphaFile = home + "/credentials/alpha.json"
    let betaFile = home + "/credentials/beta.json"
    func bodies() throws -> [String] {
      if kind == .file {
        return try [alphaFile, betaFile].map { try String(contentsOfFile: $0, encoding: .utf8) }
      }
      return try Self.psql("SELECT md5(body) FROM tandem_accounts ORDER BY account", store: store)
    }
    if kind == .file {
      let text = try String(contentsOfFile: betaFile, encoding: .utf8)
      try text.replacingOccurrences(of: "\"account\": \"beta\"", with: "\"account\": \"alpha\"")
        .write(toFile: betaFile, atomically: true, encoding: .utf8)
    } else {
      _ = try Self.psql(
        "UPDATE tandem_accounts SET body = replace(body, '\"account\": \"beta\"', '\"account\": \"alpha\"') "
          + "WHERE account = 'beta'", store: store)
    }
    let before = try bodies()

    for line in [["auth", "token", "--account", "beta"], ["auth", "refresh", "--account", "beta"]] {
      let result = try TandemBinary.run(["-o", "json"] + line, environment: store.environment)
      #expect(result.status == 4 && result.errorCode == "STATE_CORRUPT", "\(line): \(result.standardOutput)")
      #expect(result.envelopeProblems().isEmpty, "\(result.envelopeProblems())")
      let fix = result.error?["fix_required"] as? String ?? ""
      #expect(fix.contains("log in"), "\(fix)")
      if kind == .postgres {
        // The statement to run names the store's own schema, not whatever psql's search path is.
        let schema = try #require(store.environment["TANDEM_STORE"]?.components(separatedBy: "schema=").last)
        #expect(fix.contains("UPDATE \(schema).tandem_accounts"), "\(fix)")
      }
    }
    #expect(try bodies() == before, "nothing overwritten")
    // alpha itself still works.
    let alpha = try TandemBinary.run(
      ["-o", "json", "auth", "token", "--account", "alpha"], environment: store.environment)
    #expect(alpha.status == 0 && alpha.data?["account"] as? String == "alpha", "\(alpha.standardOutput)")
  }

  @Test(
    "login on host A while host B logs out and C, D refresh the same account: generations only rise, never name two tokens",
    arguments: StoreConformanceTests.stores)
  func loginLogoutRefreshRace(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    let helper = "printf '{\"access_token\":\"t-%s\",\"expires_in\":3600}' $$"
    let rounds = 12
    // Each host runs its command `rounds` times in a row, all four hosts at once.
    let roles: [(host: String, arguments: [String])] = [
      ("host-a", ["auth", "login", "--account", "race", "--refresh-command", helper]),
      ("host-b", ["auth", "logout", "--account", "race"]),
      ("host-c", ["auth", "refresh", "--account", "race"]),
      ("host-d", ["auth", "token", "--account", "race", "--min-ttl", "0"]),
    ]
    let outputs = try roles.map { role in
      var environment = store.agent(host: role.host)
      environment["TANDEM_BIN"] = TandemBinary.path
      let command =
        (["\"$TANDEM_BIN\"", "-o", "json"]
        + role.arguments.map { "'\($0.replacingOccurrences(of: "'", with: "'\\''"))'" })
        .joined(separator: " ")
      // printf, not echo: dash's echo would read the envelope's backslashes as escapes.
      let script = "for i in $(seq \(rounds)); do out=$(\(command)); printf '%s exit=%s\\n' \"$out\" $?; done"
      return try TandemBinary.startProgram("/bin/sh", ["-c", script], environment: environment)
    }.map { $0.wait() }

    var loginGenerations: [Int] = []
    var tokens: [Int: String] = [:]
    for (index, output) in outputs.enumerated() {
      let lines = output.standardOutput.split(separator: "\n").map(String.init)
      #expect(lines.count == rounds, "\(roles[index].host): \(output.standardOutput) \(output.standardError)")
      for line in lines {
        let parts = line.components(separatedBy: " exit=")
        let envelope = try #require(
          try JSONSerialization.jsonObject(with: Data(parts[0].utf8)) as? [String: Any], "\(line)")
        let exit = Int(parts.last ?? "") ?? -1
        if let error = envelope["error"] as? [String: Any] {
          // The only failure a race may cause: the account is not there at that moment.
          #expect(
            error["code"] as? String == "CREDENTIALS_MISSING" && exit == 8, "\(roles[index].host): \(line)")
          #expect(roles[index].host != "host-a", "a login never fails: \(line)")
          continue
        }
        #expect(exit == 0, "\(line)")
        let data = try #require(envelope["data"] as? [String: Any])
        guard let generation = data["generation"] as? Int else { continue }
        if index == 0 { loginGenerations.append(generation) }
        if let token = data["access_token"] as? String {
          #expect(tokens[generation].map { $0 == token } ?? true, "generation \(generation) named two tokens")
          tokens[generation] = token
        }
      }
    }
    #expect(loginGenerations.count == rounds)
    #expect(zip(loginGenerations, loginGenerations.dropFirst()).allSatisfy { $0 < $1 }, "\(loginGenerations)")
    // Whatever the last step was, the store reads cleanly (no damaged record left behind).
    let list = try TandemBinary.run(["-o", "json", "auth", "list"], environment: store.environment)
    #expect(list.status == 0, "\(list.standardOutput)")
  }
}
