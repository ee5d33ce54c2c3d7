import Foundation
import Synchronization
import TandemPostgres
import TandemState
import TandemTestSupport
import Testing

/// Faults a store on another host must handle: a server that cannot be reached, a wrong
/// password or database, a statement that runs too long, TLS, and a server restarted while
/// agents write. Each against the real server scripts/postgres started.
@Suite("The PostgreSQL store under faults", .needsPostgres, .serialized)
struct PostgresFaultTests {
  @Test("an unreachable server is UNAVAILABLE, retryable, at once")
  func unreachable() throws {
    let started = ContinuousClock.now
    let backend = try PostgresBackend(
      url: "postgresql://agent@127.0.0.1:1/db?sslmode=disable", tool: TestDatabase.freshTool(),
      environment: [:])
    let error = #expect(throws: StateError.self) { try backend.store(.shared).read() }
    #expect(error?.code == .unavailable)
    #expect((error?.retryAfterMilliseconds ?? 0) > 0)
    #expect(error?.message.contains("127.0.0.1:1") == true, "\(error?.message ?? "")")
    #expect(ContinuousClock.now - started < .seconds(5))
  }

  @Test("a wrong password or database is SETUP_REQUIRED, naming what to fix and never the password")
  func badCredentials() throws {
    let url = try TestDatabase.requireURL()
    var wrong = TestDatabase.clientEnvironment
    wrong["PGPASSWORD"] = "not-the-password-42"
    let refused = #expect(throws: StateError.self) {
      try PostgresBackend(url: url, tool: TestDatabase.freshTool(), environment: wrong).store(.shared).read()
    }
    #expect(refused?.code == .setupRequired)
    #expect(refused?.fixRequired?.contains("PGPASSWORD") == true)
    #expect(refused?.message.contains("not-the-password-42") == false)

    var none = TestDatabase.clientEnvironment
    none.removeValue(forKey: "PGPASSWORD")
    none["HOME"] = TemporaryDirectory().path
    let missing = #expect(throws: StateError.self) {
      try PostgresBackend(url: url, tool: TestDatabase.freshTool(), environment: none).store(.shared).read()
    }
    #expect(missing?.code == .setupRequired, "\(String(describing: missing))")

    let parsed = try PostgresStoreURL(url, environment: [:])
    let noDatabase = parsed.location.replacingOccurrences(
      of: "/" + parsed.database, with: "/no_such_database")
    let unknown = #expect(throws: StateError.self) {
      try PostgresBackend(
        url: noDatabase, tool: TestDatabase.freshTool(), environment: TestDatabase.clientEnvironment
      )
      .store(.shared).read()
    }
    #expect(unknown?.code == .setupRequired)
    #expect(unknown?.message.contains("no_such_database") == true, "\(unknown?.message ?? "")")
  }

  @Test("a statement past statement_timeout is STATEMENT_TIMEOUT and writes nothing")
  func statementTimeout() throws {
    let tool = TestDatabase.freshTool()
    let holder = try TestDatabase.backend(tool: tool)
    let held = try holder.store(.shared).acquireLock(
      timeout: .seconds(5), intent: LockIntent(instanceID: nil, command: "hold"))
    defer { held.release() }
    // The writer waits for the lock inside a statement: the statement timeout ends it
    // before the lock timeout does.
    let writer = try TestDatabase.backend(tool: tool, query: "statement_timeout=200")
    let error = #expect(throws: StateError.self) {
      try writer.store(.shared).update(timeout: .seconds(10), ifRevision: nil, intent: nil) {
        $0.set([(key: "k", value: "v")])
      }
    }
    #expect(error?.code == .statementTimeout, "\(String(describing: error))")
    held.release()
    #expect(try holder.store(.shared).read().revision == 0)
  }

  @Test("TLS: sslmode=require and verify-ca connect encrypted; the session says so")
  func tls() throws {
    let ca = try #require(
      TestDatabase.environment["TANDEM_TEST_POSTGRES_CA"], "scripts/postgres exports the CA")
    for query in ["sslmode=require", "sslmode=verify-ca&sslrootcert=\(ca)"] {
      let backend = try TestDatabase.backend(query: query)
      let encrypted = try backend.run(sql: "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
      #expect(encrypted == ["true"], "\(query)")
    }
    let plain = try TestDatabase.backend(query: "sslmode=disable")
    #expect(try plain.run(sql: "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == ["false"])
    // A CA that did not sign the server's certificate: refused, not silently plain.
    let scratch = TemporaryDirectory()
    let otherCA = scratch.appending("other.crt")
    try Self.selfSignedCertificate(to: otherCA)
    let wrong = #expect(throws: StateError.self) {
      try TestDatabase.backend(query: "sslmode=verify-ca&sslrootcert=\(otherCA)").store(.shared).read()
    }
    #expect(wrong?.code == .unavailable || wrong?.code == .setupRequired, "\(String(describing: wrong))")
  }

  static func selfSignedCertificate(to path: String) throws {
    try OwnCluster.run(
      "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other",
      "-keyout", path + ".key", "-out", path)
  }

  @Test("the server killed and restarted while agents write: every acknowledged write is there, none is lost")
  func restartDuringWrites() async throws {
    // A cluster of its own: restarting the shared one would fail the tests running beside this.
    let clock = ContinuousClock.now
    let cluster = try OwnCluster.start()
    defer { cluster.destroy() }
    let tool = TestDatabase.freshTool()
    let tally = WriteTally()
    // Each writer blocks a thread of its own while it waits for the server, so that the
    // test's own task (which stops them) is never starved of the cooperative pool.
    let threads = (0..<4).map { _ in ThreadExecutor() }
    let writers = (0..<4).map { index in
      Task(executorPreference: threads[index]) { () throws -> Void in
        // Each writer is its own backend, as each agent is its own process.
        let store = try cluster.backend(tool: tool, query: "connect_timeout=2").store(.shared)
        var round = 0
        while !tally.stop.load(ordering: .relaxed) && round < 2000 {
          round += 1
          do {
            try store.update(timeout: .seconds(5), ifRevision: nil, intent: nil) { document in
              let count = Int(document["count"] ?? "0")! + 1
              document.set([(key: "count", value: String(count)), (key: "w\(index)", value: String(round))])
            }
            tally.acknowledged.add(1, ordering: .relaxed)
          } catch let error as StateError where error.code == .unavailable {
            if error.message.contains("may or may not") {
              tally.unknown.add(1, ordering: .relaxed)
            } else {
              tally.refused.add(1, ordering: .relaxed)
            }
            usleep(50_000)
          }
        }
      }
    }
    try await Task.sleep(for: .milliseconds(700))
    let before = tally.acknowledged.load(ordering: .relaxed)
    // The harshest restart: the server is killed (no shutdown checkpoint, as in a crash or
    // a power loss) and starts again with crash recovery. A commit acknowledged before the
    // kill must survive it (synchronous_commit = on).
    try cluster.control("kill")
    try cluster.control("start")
    try await Task.sleep(for: .milliseconds(1500))
    tally.stop.store(true, ordering: .relaxed)
    for writer in writers { try await writer.value }
    #expect(ContinuousClock.now - clock < .seconds(60))

    let count = Int(try cluster.backend(tool: tool).store(.shared).read()["count"] ?? "0")!
    let acked = tally.acknowledged.load(ordering: .relaxed)
    let uncertain = tally.unknown.load(ordering: .relaxed)
    #expect(before > 0 && acked > before, "writes before and after the restart: \(before), \(acked)")
    #expect(tally.refused.load(ordering: .relaxed) + uncertain > 0, "the restart was seen by the writers")
    // Nothing acknowledged is lost; only writes reported as "may or may not" can be extra.
    #expect(
      count >= acked && count <= acked + uncertain,
      "count \(count), acknowledged \(acked), unknown \(uncertain)")
  }
}

/// What the writers of the restart test saw.
final class WriteTally: Sendable {
  let acknowledged = Atomic<Int>(0)
  let unknown = Atomic<Int>(0)
  let refused = Atomic<Int>(0)
  let stop = Atomic<Bool>(false)
}

/// A PostgreSQL cluster started for one test by scripts/postgres, in a directory of its own.
struct OwnCluster {
  let script: String
  let directory: String
  let url: String
  let password: String

  static func start() throws -> OwnCluster {
    let script = try #require(
      TestDatabase.environment["TANDEM_TEST_POSTGRES_SCRIPT"], "scripts/test exports scripts/postgres's path")
    let directory = "/tmp/tandem-pg-" + String(UInt64.random(in: .min ... .max), radix: 36)
    let output = try run(script, "start", directory)
    var values: [String: String] = [:]
    for line in output.split(separator: "\n") where line.hasPrefix("export ") {
      let pair = line.dropFirst(7)
      guard let equals = pair.firstIndex(of: "=") else { continue }
      var value = String(pair[pair.index(after: equals)...])
      if value.hasPrefix("'") && value.hasSuffix("'") { value = String(value.dropFirst().dropLast()) }
      values[String(pair[..<equals])] = value
    }
    return OwnCluster(
      script: script, directory: directory,
      url: try #require(values["TANDEM_TEST_POSTGRES_URL"], "\(output)"),
      password: try #require(values["TANDEM_TEST_POSTGRES_PASSWORD"]))
  }

  func backend(tool: ToolIdentity, query: String = "") throws -> PostgresBackend {
    var environment = TestDatabase.clientEnvironment
    environment["PGPASSWORD"] = password
    return try PostgresBackend(
      url: query.isEmpty ? url : url + "?" + query, tool: tool, environment: environment)
  }

  func control(_ action: String) throws { _ = try Self.run(script, action, directory) }

  func destroy() { _ = try? Self.run(script, "destroy", directory) }

  @discardableResult
  static func run(_ arguments: String...) throws -> String {
    let result = try BuiltProduct.startProgram(arguments[0], Array(arguments.dropFirst())).wait()
    if result.status != 0 {
      Issue.record("\(arguments.joined(separator: " ")) failed (\(result.status)): \(result.standardError)")
      throw CancellationError()
    }
    return result.standardOutput
  }
}
