import Foundation
import TandemPostgres
import TandemState
import TandemTestSupport
import Testing

/// The single-flight token refresh across hosts: agents on different hosts share one
/// service account's rotating refresh token through the PostgreSQL store.
///
/// A "host" is a backend of its own (its own connections, its own `<PREFIX>_HOST`
/// identity, as `pg_stat_activity` and the in-flight mark show it), run on a thread of its
/// own (``ThreadExecutor``), not the cooperative pool: each waits for the account's lock in
/// the server as a process on another machine would. The token endpoint rotates the refresh
/// token at every refresh and revokes the grant when a used one comes back, so a refresh
/// without the lock shows as more than one refresh and as a reuse.
@Suite("Single-flight token refresh across hosts on the PostgreSQL store", .needsPostgres)
struct PostgresCredentialTests {
  let intent = LockIntent(instanceID: nil, command: "auth token")

  /// A host named `name` using the store of `tool`.
  static func host(_ name: String, tool: ToolIdentity) throws -> PostgresBackend {
    var environment = TestDatabase.clientEnvironment
    environment[tool.environmentVariable("HOST")] = name
    return try PostgresBackend(url: try TestDatabase.requireURL(), tool: tool, environment: environment)
  }

  /// `count` hosts of a fresh tool, with account `ci` logged in to `server` (from the first).
  static func hosts(_ count: Int, server: OAuthTestServer, prefix: String = "runner")
    throws -> [PostgresBackend]
  {
    let tool = TestDatabase.freshTool()
    let hosts = try (0..<count).map { try host("\(prefix)-\($0)", tool: tool) }
    try hosts[0].credentials.login(
      account: "ci",
      source: .oauth(.init(tokenURL: server.tokenURL, clientID: OAuthTestServer.clientID)),
      refreshToken: try server.newGrant(), timeout: .seconds(5),
      intent: LockIntent(instanceID: nil, command: "auth login"))
    return hosts
  }

  /// The built-in OAuth refresher (curl), as the suspending calls take it: it blocks the
  /// host's own thread, which only that host uses.
  struct AsyncOAuth: AsyncTokenRefresher {
    func refresh(_ request: RefreshRequest) async throws(RefreshFailure) -> TokenSet {
      try OAuthRefresher().refresh(request)
    }
  }

  /// Runs `body` for each host at once, each on its own thread, released together; even
  /// hosts use the blocking calls and odd ones the suspending calls.
  static func atOnce<Result: Sendable>(
    _ hosts: [PostgresBackend],
    blocking: @escaping @Sendable (PostgresBackend) throws -> Result,
    suspending: @escaping @Sendable (PostgresBackend) async throws -> Result
  ) async throws -> [Result] {
    let start = StartGate(parties: hosts.count)
    // Threads of this call's own: tests run in parallel, and a thread blocked by another
    // test's host would hold this one up.
    let threads = hosts.map { _ in ThreadExecutor() }
    return try await withThrowingTaskGroup(of: (Int, Result).self) { group in
      for (index, host) in hosts.enumerated() {
        group.addTask(executorPreference: threads[index]) {
          start.arriveAndWait()
          return (index, index % 2 == 0 ? try blocking(host) : try await suspending(host))
        }
      }
      var results: [(Int, Result)] = []
      for try await result in group { results.append(result) }
      return results.sorted { $0.0 < $1.0 }.map(\.1)
    }
  }

  @Test(
    "8 hosts ask at once for an expired account's token (rotating refresh token): 1 refresh, 1 token, nobody logged out"
  )
  func eightHosts() async throws {
    let server = try OAuthTestServer()
    // Long enough that every host asks while the first one's refresh is out.
    try server.setDelay(milliseconds: 500)
    let hosts = try Self.hosts(8, server: server)
    let intent = self.intent
    let started = ContinuousClock.now
    let answers = try await Self.atOnce(
      hosts,
      blocking: {
        try $0.credentials.token(
          account: "ci", minimumValidity: .seconds(60), timeout: .seconds(20), intent: intent,
          refresher: OAuthRefresher())
      },
      suspending: {
        try await $0.credentials.token(
          account: "ci", minimumValidity: .seconds(60), timeout: .seconds(20), intent: intent,
          refresher: AsyncOAuth())
      })
    let elapsed = ContinuousClock.now - started

    let stats = try server.stats()
    #expect(stats["refreshes"] == 1 && stats["requests"] == 1, "one refresh among 8 hosts: \(stats)")
    #expect(stats["reuse_detected"] == 0 && stats["rejected"] == 0, "\(stats)")
    #expect(Set(answers.map(\.tokens.accessToken)).count == 1, "every host got the same token")
    #expect(answers.allSatisfy { !$0.tokens.accessToken.isEmpty && $0.generation == 1 })
    #expect(answers.filter(\.refreshed).count == 1, "one host refreshed, 7 used its token")
    // Nobody was logged out: the account is stored with the new tokens and no mark, and
    // the rotated refresh token it keeps is the live one (a refresh with it succeeds).
    let record = try hosts[3].credentials.record("ci")
    #expect(record.generation == 1 && record.interruptedRefresh == nil)
    #expect(record.tokens?.accessToken == answers[0].tokens.accessToken)
    #expect(try hosts[5].credentials.records().map(\.name) == ["ci"])
    let next = try hosts[7].credentials.refresh(
      account: "ci", ifGeneration: 1, timeout: .seconds(20), intent: intent, refresher: OAuthRefresher())
    #expect(
      next.refreshed && next.generation == 2 && next.tokens.accessToken != answers[0].tokens.accessToken)
    let after = try server.stats()
    #expect(after["refreshes"] == 2 && after["reuse_detected"] == 0, "\(after)")
    print("8 hosts, one expired account: \(stats["refreshes"] ?? -1) refresh, all answered in \(elapsed)")
  }

  @Test(
    "401 recovery: 4 hosts that saw generation g refresh once; a caller at an older generation gets the newer token"
  )
  func recoveryAfterUnauthorized() async throws {
    let server = try OAuthTestServer()
    let hosts = try Self.hosts(5, server: server, prefix: "pod")
    let intent = self.intent
    let first = try hosts[0].credentials.token(
      account: "ci", minimumValidity: .seconds(60), timeout: .seconds(20), intent: intent,
      refresher: OAuthRefresher())
    let seen = first.generation
    #expect(first.refreshed && seen == 1)
    try server.setDelay(milliseconds: 500)

    // The provider refused generation `seen`'s access token on 4 hosts at once.
    let answers = try await Self.atOnce(
      Array(hosts[0..<4]),
      blocking: {
        try $0.credentials.refresh(
          account: "ci", ifGeneration: seen, timeout: .seconds(20), intent: intent,
          refresher: OAuthRefresher())
      },
      suspending: {
        try await $0.credentials.refresh(
          account: "ci", ifGeneration: seen, timeout: .seconds(20), intent: intent, refresher: AsyncOAuth())
      })
    let stats = try server.stats()
    #expect(stats["refreshes"] == 2, "the first token and one recovery: \(stats)")
    #expect(stats["reuse_detected"] == 0 && stats["rejected"] == 0, "\(stats)")
    #expect(answers.filter(\.refreshed).count == 1)
    #expect(answers.allSatisfy { $0.generation == seen + 1 })
    #expect(Set(answers.map(\.tokens.accessToken)).count == 1)
    #expect(answers[0].tokens.accessToken != first.tokens.accessToken)

    // A fifth host whose request was refused with the older token: the newer one, no request.
    let late = try hosts[4].credentials.refresh(
      account: "ci", ifGeneration: seen, timeout: .seconds(20), intent: intent, refresher: OAuthRefresher())
    #expect(!late.refreshed && late.generation == seen + 1)
    #expect(late.tokens.accessToken == answers[0].tokens.accessToken)
    #expect(try server.stats()["requests"] == stats["requests"], "no request was sent")

    // A generation that was never issued is refused, not refreshed.
    let confused = #expect(throws: StateError.self) {
      try hosts[4].credentials.refresh(
        account: "ci", ifGeneration: seen + 5, timeout: .seconds(5), intent: intent,
        refresher: OAuthRefresher())
    }
    #expect(confused?.code == .invalidArgument)
    #expect(try server.stats()["requests"] == stats["requests"])
  }

  @Test("a host that gives up waiting never refreshes without the lock, and is told which host holds it")
  func lockTimeoutNamesTheHost() async throws {
    let server = try OAuthTestServer()
    let hosts = try Self.hosts(2, server: server, prefix: "builder")
    try server.setDelay(milliseconds: 6000)
    let intent = self.intent
    let holder = Task(executorPreference: ThreadExecutor()) {
      try hosts[0].credentials.token(
        account: "ci", minimumValidity: .seconds(60), timeout: .seconds(20),
        intent: LockIntent(instanceID: "agent-7", command: "auth token"), refresher: OAuthRefresher())
    }
    // The refresh is out: the mark names the host and the process.
    let mark = try await Self.waitForMark(hosts[1], server: server)
    #expect(mark.host == "builder-0" && mark.pid == getpid())
    // What other hosts see of the holder's session: the statement that stored the mark,
    // its comment, and no secret (the record, tokens included, was a bound parameter).
    let activity = try hosts[1].run(
      sql: "SELECT query FROM pg_stat_activity WHERE application_name LIKE '%host=builder-0'")
    let inFlight = try #require(hosts[1].credentials.record("ci").tokens?.refreshToken)
    #expect(activity.contains { $0?.contains("INSERT INTO tandem_accounts") == true }, "\(activity)")
    #expect(
      activity.contains { $0?.hasPrefix("/* tandem {\"command\":\"auth token\"") == true }, "\(activity)")
    #expect(!activity.contains { $0?.contains(inFlight) == true }, "no secret in any statement's text")

    let started = ContinuousClock.now
    let refused = #expect(throws: StateError.self) {
      try hosts[1].credentials.token(
        account: "ci", minimumValidity: .seconds(60), timeout: LockTimeout(milliseconds: 300), intent: intent,
        refresher: OAuthRefresher())
    }
    // It gave up after its own timeout, not after the holder's refresh.
    #expect(ContinuousClock.now - started < .seconds(5))
    #expect(refused?.code == .concurrentModification && refused?.conflictReason == .lockTimeout)
    #expect(refused?.holder?.host == "builder-0", "\(refused?.message ?? "")")
    #expect(refused?.holder?.instanceID == "agent-7" && refused?.holder?.command == "auth token")
    #expect(refused?.message.contains("builder-0") == true)

    let got = try await holder.value
    #expect(got.refreshed)
    let waited = try hosts[1].credentials.token(
      account: "ci", minimumValidity: .seconds(60), timeout: .seconds(5), intent: intent,
      refresher: OAuthRefresher())
    #expect(!waited.refreshed && waited.tokens == got.tokens)
    let stats = try server.stats()
    #expect(stats["refreshes"] == 1 && stats["requests"] == 1, "\(stats)")
  }

  @Test(
    "a holder whose session ends mid-refresh: the lock frees at once, its answer is not stored, the mark stays and the next refresh says so, as on the file store"
  )
  func holderSessionEndsMidRefresh() async throws {
    let server = try OAuthTestServer()
    let tool = TestDatabase.freshTool()
    let dying = try Self.host("dying-host", tool: tool)
    let survivor = try Self.host("survivor", tool: tool)
    try dying.credentials.login(
      account: "ci",
      source: .oauth(.init(tokenURL: server.tokenURL, clientID: OAuthTestServer.clientID)),
      refreshToken: try server.newGrant(), timeout: .seconds(5), intent: intent)
    // Long enough for the survivor's polling to see the request out on a loaded machine.
    try server.setDelay(milliseconds: 4000)
    let intent = self.intent
    let holder = Task(executorPreference: ThreadExecutor()) { () -> StateError? in
      do throws(StateError) {
        _ = try dying.credentials.token(
          account: "ci", minimumValidity: .seconds(60), timeout: .seconds(20), intent: intent,
          refresher: OAuthRefresher())
        return nil
      } catch {
        return error
      }
    }
    _ = try await Self.waitForMark(survivor, server: server)
    // The host is lost: the server ends its sessions (as it does when their connections
    // drop), which releases the account's lock while the request is still out.
    let ended = try survivor.run(
      sql: """
        SELECT count(pg_terminate_backend(pid))::text FROM pg_stat_activity
        WHERE application_name LIKE '%host=dying-host'
        """)
    #expect((ended.first.flatMap { $0.flatMap { Int($0) } } ?? 0) >= 1, "\(ended)")

    // The survivor gets the lock without waiting for the refresh, and tries with the stored
    // refresh token, which the provider has rotated meanwhile.
    let started = ContinuousClock.now
    let revoked = #expect(throws: StateError.self) {
      try survivor.credentials.token(
        account: "ci", minimumValidity: .seconds(60), timeout: .seconds(20), intent: intent,
        refresher: OAuthRefresher())
    }
    #expect(revoked?.code == .refreshRevoked, "\(revoked?.message ?? "")")
    #expect(revoked?.message.contains("was interrupted") == true, "\(revoked?.message ?? "")")
    #expect(revoked?.message.contains("\"dying-host\"") == true, "\(revoked?.message ?? "")")
    #expect(ContinuousClock.now - started < .seconds(10))

    // The lost host's own call fails: its answer could not be stored under a lock it no
    // longer held, and it says what that means.
    let lost = try #require(await holder.value)
    #expect(lost.code == .unavailable, "\(lost.message)")
    #expect(lost.message.contains("REFRESH_REVOKED"), "\(lost.message)")

    // Nothing was deleted: the account is there, with the mark of the interrupted refresh.
    let record = try survivor.credentials.record("ci")
    #expect(record.interruptedRefresh?.host == "dying-host")
    #expect(record.tokens?.refreshToken != nil && record.generation == 0)
    let stats = try server.stats()
    #expect(stats["refreshes"] == 1 && stats["reuse_detected"] == 1, "\(stats)")
  }

  @Test(
    "login, logout and login again: generations go on after a logout; a damaged row is reported and left alone"
  )
  func loginLogoutGenerations() throws {
    let server = try OAuthTestServer()
    let hosts = try Self.hosts(2, server: server, prefix: "vm")
    let credentials = hosts[1].credentials
    let token = try credentials.token(
      account: "ci", minimumValidity: .seconds(60), timeout: .seconds(20), intent: intent,
      refresher: OAuthRefresher())
    #expect(token.generation == 1)
    try credentials.logout(account: "ci", timeout: .seconds(5), intent: intent)
    let missing = #expect(throws: StateError.self) { try credentials.record("ci") }
    #expect(missing?.code == .credentialsMissing)
    #expect(try credentials.records().isEmpty)
    let again = try hosts[0].credentials.login(
      account: "ci",
      source: .oauth(.init(tokenURL: server.tokenURL, clientID: OAuthTestServer.clientID)),
      refreshToken: try server.newGrant(), timeout: .seconds(5), intent: intent)
    #expect(again.generation == 2, "a login after a logout continues above generation 1")
    let stale = #expect(throws: StateError.self) {
      try credentials.refresh(
        account: "ci", ifGeneration: 3, timeout: .seconds(5), intent: intent, refresher: OAuthRefresher())
    }
    #expect(stale?.code == .invalidArgument)

    let tool = hosts[0].tool.name

    // A damaged row is reported, and left alone.
    _ = try hosts[0].run(
      sql: "UPDATE tandem_accounts SET body = '{damaged' WHERE tool = '\(tool)' AND account = 'ci'")
    let corrupt = #expect(throws: StateError.self) { try credentials.record("ci") }
    #expect(
      corrupt?.code == .stateCorrupt && corrupt?.fixRequired?.contains("UPDATE tandem_accounts") == true)
    let refused = #expect(throws: StateError.self) {
      try credentials.token(
        account: "ci", minimumValidity: .seconds(60), timeout: .seconds(5), intent: intent,
        refresher: OAuthRefresher())
    }
    #expect(refused?.code == .stateCorrupt)
    #expect(try hosts[0].run(sql: "SELECT body FROM tandem_accounts WHERE tool = '\(tool)'") == ["{damaged"])
  }

  /// Waits (bounded) until a refresh of `ci` is out: the mark is stored and the provider
  /// has the request.
  static func waitForMark(_ host: PostgresBackend, server: OAuthTestServer) async throws
    -> AccountRecord.InterruptedRefresh
  {
    // Bounded (20 s): the mark and the request come within a second on an idle machine.
    for _ in 0..<800 {
      if let mark = try host.credentials.record("ci").interruptedRefresh, try server.stats()["requests"] == 1
      {
        return mark
      }
      try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("the refresh never started")
    throw CancellationError()
  }
}

/// Releases the threads that arrive at it all at once, when the last one arrives.
final class StartGate: @unchecked Sendable {
  private let condition = NSCondition()
  private var waiting: Int

  init(parties: Int) { waiting = parties }

  func arriveAndWait() {
    condition.lock()
    waiting -= 1
    if waiting == 0 { condition.broadcast() }
    while waiting > 0 { condition.wait() }
    condition.unlock()
  }
}
