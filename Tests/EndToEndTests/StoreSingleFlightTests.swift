import Foundation
import TandemTestSupport
import Testing

/// One service account, one rotating refresh token, agents on several hosts: real `tandem`
/// processes on both stores (the home's files; PostgreSQL through `TANDEM_STORE`, which
/// `tandem` hands to `tandem-postgres`), each agent with a host identity of its own. The
/// token endpoint rotates the refresh token at every use and revokes the grant when a used
/// one comes back, so a refresh outside the single flight shows as a second request, a
/// reuse, and agents logged out.
@Suite("Both stores: one token refresh among agents on several hosts, with real processes")
struct StoreSingleFlightTests {
  typealias Store = StoreConformanceTests.Store

  /// Starts `count` agents at once, each on a host of its own, and waits for them.
  static func agents(_ count: Int, _ arguments: [String], store: Store) throws -> [TandemBinary.Result] {
    let started = try (0..<count).map {
      try TandemBinary.start(["-o", "json"] + arguments, environment: store.agent(host: "host-\($0)"))
    }
    return started.map { $0.wait() }
  }

  /// Every agent succeeded, with a valid envelope.
  static func succeeded(_ results: [TandemBinary.Result]) -> Bool {
    results.allSatisfy { $0.status == 0 && $0.envelopeProblems().isEmpty }
  }

  @Test(
    "8 agents on 8 hosts ask at once for an expired account's token: 1 refresh, 1 token; after a 401, 1 more",
    arguments: StoreConformanceTests.stores)
  func eightAgents(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    let server = try OAuthTestServer()
    // The refresh token comes on standard input, from a file.
    let secrets = TemporaryDirectory("tandem-grant")
    let grant = secrets.appending("grant")
    try Data((try server.newGrant() + "\n").utf8).write(to: URL(fileURLWithPath: grant))
    let login = try TandemBinary.run(
      [
        "-o", "json", "auth", "login", "--account", "ci", "--token-url", server.tokenURL, "--client-id",
        OAuthTestServer.clientID,
      ], environment: store.environment, input: grant)
    #expect(login.status == 0, "\(login.standardOutput)")
    // Long enough that every agent asks while the first one's refresh is out.
    try server.setDelay(milliseconds: 500)

    let started = ContinuousClock.now
    let tokens = try Self.agents(8, ["auth", "token"], store: store)
    print("\(kind.rawValue) store, 8 agents on 8 hosts: answered in \(ContinuousClock.now - started)")
    #expect(Self.succeeded(tokens), "\(tokens.map { "\($0.status) \($0.standardOutput)" })")
    let stats = try server.stats()
    #expect(stats["refreshes"] == 1 && stats["requests"] == 1, "one refresh among 8 agents: \(stats)")
    #expect(stats["reuse_detected"] == 0 && stats["rejected"] == 0, "\(stats)")
    let first = Set(tokens.compactMap { $0.data?["access_token"] as? String })
    #expect(first.count == 1, "every agent got the same token")
    #expect(tokens.allSatisfy { $0.data?["generation"] as? Int == 1 })
    #expect(tokens.filter { $0.data?["refreshed"] as? Bool == true }.count == 1)

    // The provider refused that token on 4 hosts (a 401): one refresh among them.
    let recovered = try Self.agents(4, ["auth", "refresh", "--if-generation", "1"], store: store)
    #expect(Self.succeeded(recovered), "\(recovered.map { "\($0.status) \($0.standardOutput)" })")
    let after = try server.stats()
    #expect(after["refreshes"] == 2 && after["requests"] == 2 && after["reuse_detected"] == 0, "\(after)")
    #expect(recovered.allSatisfy { $0.data?["generation"] as? Int == 2 })
    #expect(recovered.filter { $0.data?["refreshed"] as? Bool == true }.count == 1)
    let second = Set(recovered.compactMap { $0.data?["access_token"] as? String })
    #expect(second.count == 1 && second != first)

    // An agent whose request failed with the older token: the newer one, without a request.
    let late = try TandemBinary.run(
      ["-o", "json", "auth", "refresh", "--if-generation", "1"], environment: store.agent(host: "host-9"))
    #expect(late.status == 0 && late.data?["refreshed"] as? Bool == false)
    #expect(late.data?["generation"] as? Int == 2 && late.data?["access_token"] as? String == second.first)
    #expect(try server.stats()["requests"] == 2)

    // Nobody was logged out, and the account is kept where the store keeps it.
    let list = try TandemBinary.run(["-o", "json", "auth", "list"], environment: store.environment)
    let accounts = list.data?["accounts"] as? [[String: Any]] ?? []
    #expect(accounts.map { $0["account"] as? String } == ["ci"], "\(list.standardOutput)")
    #expect(accounts.first?["refresh_interrupted"] as? Bool == false)
    let credentials = try #require(store.environment["TANDEM_HOME"]) + "/credentials/ci.json"
    #expect(FileManager.default.fileExists(atPath: credentials) == (kind == .file))
    let path = late.data?["path"] as? String ?? ""
    #expect(kind == .file ? path == credentials : path.hasSuffix("#tandem/credentials/ci"), "\(path)")
  }

  @Test(
    "login, status, switch and logout keep the account in the store, and a logout clears the choice",
    arguments: StoreConformanceTests.stores)
  func accountLifecycle(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    try store.login(["one", "two"], tokenPrefix: "a")
    // The first login chose the shared default; every host sees that choice.
    let status = try TandemBinary.run(["-o", "json", "auth", "status"], environment: store.agent(host: "h2"))
    #expect(status.data?["account"] as? String == "one", "\(status.standardOutput)")
    #expect(status.data?["origin"] as? String == "shared")
    let switched = try TandemBinary.run(
      ["-o", "json", "--instance-id", "agent-7", "auth", "switch", "--account", "two"],
      environment: store.agent(host: "h3"))
    #expect(
      switched.status == 0 && switched.data?["scope"] as? String == "instance", "\(switched.standardOutput)")
    let token = try TandemBinary.run(
      ["-o", "json", "--instance-id", "agent-7", "auth", "token"], environment: store.agent(host: "h4"))
    #expect(token.data?["account"] as? String == "two" && token.data?["refreshed"] as? Bool == true)

    let preview = try TandemBinary.run(
      ["-o", "json", "auth", "logout", "--account", "one", "--dry-run"], environment: store.environment)
    #expect(preview.status == 0 && preview.envelopeProblems().isEmpty, "\(preview.standardOutput)")
    let logout = try TandemBinary.run(
      ["-o", "json", "auth", "logout", "--account", "one"], environment: store.environment)
    #expect(logout.status == 0, "\(logout.standardOutput)")
    #expect((logout.data?["cleared_active"] as? [Any])?.count == 1, "\(logout.standardOutput)")
    let gone = try TandemBinary.run(["-o", "json", "auth", "status"], environment: store.environment)
    #expect(gone.data?["account"] as? String == "two", "the only account left: \(gone.standardOutput)")
    let list = try TandemBinary.run(["-o", "json", "auth", "list"], environment: store.environment)
    #expect((list.data?["accounts"] as? [[String: Any]])?.map { $0["account"] as? String } == ["two"])
    if kind == .postgres {
      let home = try #require(store.environment["TANDEM_HOME"])
      #expect(!FileManager.default.fileExists(atPath: home), "the home's files were not used")
    }
  }
}
