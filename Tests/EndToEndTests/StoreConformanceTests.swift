import Foundation
import TandemState
import TandemTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The same promises, kept by real `tandem` processes on both stores: the files of a home,
/// and PostgreSQL (`TANDEM_STORE`, which `tandem` hands to `tandem-postgres`). Each test runs
/// once per store. On PostgreSQL every test gets a schema of its own, and processes that
/// stand for agents on different hosts get distinct `TANDEM_HOST` identities.
@Suite("Both stores keep the promises, with real processes")
struct StoreConformanceTests {
  /// A store under test: the variables that point `tandem` at it.
  struct Store: Sendable, CustomTestStringConvertible {
    enum Kind: String, Sendable, CaseIterable { case file, postgres }
    let kind: Kind
    let environment: [String: String]
    private let home: TemporaryDirectory

    var testDescription: String { kind.rawValue }

    static func make(_ kind: Kind) throws -> Store {
      let home = TemporaryDirectory()
      var environment = ["TANDEM_HOME": home.appending("home")]
      if kind == .postgres {
        let variables = ProcessInfo.processInfo.environment
        guard let url = variables["TANDEM_TEST_POSTGRES_URL"] else {
          Issue.record("TANDEM_TEST_POSTGRES_URL is not set: run the tests with scripts/test")
          throw CancellationError()
        }
        let password = variables["TANDEM_TEST_POSTGRES_PASSWORD"] ?? ""
        let schema = "e" + String(UInt64.random(in: .min ... .max), radix: 36)
        let created = try TandemBinary.startProgram(
          "/usr/bin/psql", [Self.psqlURL(url), "-v", "ON_ERROR_STOP=1", "-qc", "CREATE SCHEMA \(schema)"],
          environment: ["PGPASSWORD": password]
        ).wait()
        guard created.status == 0 else {
          Issue.record("psql could not create the schema: \(created.standardError)")
          throw CancellationError()
        }
        environment["TANDEM_STORE"] = url + "?sslmode=disable&schema=" + schema
        environment["PGPASSWORD"] = password
      }
      return Store(kind: kind, environment: environment, home: home)
    }

    /// psql takes the URL as it is, but TLS off: the test's server offers it, and the
    /// handshake would only slow the setup.
    static func psqlURL(_ url: String) -> String { url + "?sslmode=disable" }

    /// Logs `accounts` in, in order, each with a credential helper that prints a token
    /// starting with `prefix` and ending with the helper's pid; a failed login is an issue.
    func login(_ accounts: [String], tokenPrefix prefix: String) throws {
      let helper = "printf '{\"access_token\":\"\(prefix)-%s\",\"expires_in\":3600}' $$"
      for account in accounts {
        let login = try TandemBinary.run(
          ["-o", "json", "auth", "login", "--account", account, "--refresh-command", helper],
          environment: environment)
        #expect(login.status == 0, "\(login.standardOutput)")
      }
    }

    /// The variables for one agent: on PostgreSQL, on a host of its own.
    func agent(host: String) -> [String: String] {
      var result = environment
      if kind == .postgres { result["TANDEM_HOST"] = host }
      return result
    }
  }

  static var stores: [Store.Kind] {
    ProcessInfo.processInfo.environment["TANDEM_TEST_POSTGRES"] == "skip" ? [.file] : Store.Kind.allCases
  }

  @Test(
    "16 agents setting different keys at once: every key is there, each write its own revision",
    arguments: stores)
  func differentKeysAtOnce(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    let results = try TandemBinary.runTogether(
      (0..<16).map { ["config", "set", "key\($0)=value\($0)"] }, environment: store.agent(host: "host-a"))
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.standardError))")
    let listed = try TandemBinary.run(
      ["-o", "json", "config", "list", "--limit", "0"], environment: store.environment)
    let entries = listed.data?["entries"] as? [[String: Any]] ?? []
    #expect(entries.count == 16, "\(listed.standardOutput)")
    let got = try TandemBinary.run(["-o", "json", "config", "get", "key7"], environment: store.environment)
    #expect(got.data?["value"] as? String == "value7")
    #expect(got.data?["revision"] as? Int == 16)
  }

  @Test(
    "8 agents on 8 hosts incrementing one counter with --if-revision: exactly 40, no update lost",
    arguments: stores)
  func counterWithRevisions(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    // Each agent: read the counter and its revision, write the next value expecting that
    // revision, and on a conflict (exit 6) read again; five increments each.
    let script = """
      done=0; tries=0
      while [ $done -lt 5 ]; do
        tries=$((tries + 1)); [ $tries -gt 400 ] && exit 9
        line=$("$TANDEM_BIN" config get n --show-scope --default 0) || exit 8
        revision=$(printf '%s' "$line" | cut -f2); value=$(printf '%s' "$line" | cut -f3)
        [ "$revision" = "-" ] && revision=0
        "$TANDEM_BIN" config set n=$((value + 1)) --if-revision "$revision" >/dev/null 2>&1
        status=$?
        if [ $status -eq 0 ]; then done=$((done + 1)); elif [ $status -ne 6 ]; then exit $status; fi
      done
      """
    let agents = try (0..<8).map { index in
      var environment = store.agent(host: "host-\(index)")
      environment["TANDEM_BIN"] = TandemBinary.path
      return try TandemBinary.startProgram("/bin/sh", ["-c", script], environment: environment)
    }
    let results = agents.map { $0.wait() }
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.map { "\($0.status) \($0.standardError)" })")
    let final = try TandemBinary.run(["config", "get", "n"], environment: store.environment)
    #expect(final.standardOutput == "40\n", "\(final.standardOutput)")
  }

  @Test("a stale --if-revision is refused with exit 6 and nothing is written", arguments: stores)
  func staleRevision(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    try TandemBinary.run(["config", "set", "k=one"], environment: store.environment)
    try TandemBinary.run(["config", "set", "k=two"], environment: store.environment)
    let stale = try TandemBinary.run(
      ["-o", "json", "config", "set", "k=late", "--if-revision", "1"], environment: store.environment)
    #expect(stale.status == 6)
    #expect(stale.errorCode == "CONCURRENT_MODIFICATION")
    #expect(stale.error?["reason"] as? String == "revision_mismatch")
    let value = try TandemBinary.run(["config", "get", "k"], environment: store.environment)
    #expect(value.standardOutput == "two\n")
  }

  @Test(
    "a write that cannot get the lock in time exits 6 with retry_after_ms and the holder", arguments: stores)
  func lockTimeoutNamesHolder(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    let holder = try TandemBinary.start(
      ["--instance-id", "holder-1", "lock", "run", "--", "sleep", "3"],
      environment: store.agent(host: "build-7"))
    defer { _ = holder.wait() }
    try waitUntilHeld(store, instance: "holder-1")
    // The same instance's document, written from another host.
    let refused = try TandemBinary.run(
      ["-o", "json", "--instance-id", "holder-1", "--lock-timeout", "300ms", "config", "set", "k=v"],
      environment: store.agent(host: "laptop"))
    #expect(refused.status == 6, "\(refused.standardOutput)")
    #expect(refused.error?["reason"] as? String == "lock_timeout")
    #expect((refused.error?["retry_after_ms"] as? Int ?? 0) > 0)
    let holderRecord = refused.error?["holder"] as? [String: Any]
    #expect((holderRecord?["command"] as? String)?.contains("sleep 3") == true, "\(refused.standardOutput)")
    #expect(holderRecord?["instance_id"] as? String == "holder-1")
    if kind == .postgres { #expect(holderRecord?["host"] as? String == "build-7") }
    let value = try TandemBinary.run(
      ["-o", "json", "--instance-id", "holder-1", "config", "get", "k"], environment: store.environment)
    #expect(value.status == 5, "nothing was written")
  }

  @Test("a lock holder killed with SIGKILL: the waiter proceeds at once", arguments: stores)
  func killedHolderHandsOver(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    let marker = "30.\(Int.random(in: 100...999))"
    let holder = try TandemBinary.start(
      ["lock", "run", "--name", "deploy", "--", "sleep", marker], environment: store.agent(host: "a"))
    try waitUntilHeld(store, name: "deploy")
    let waiter = try TandemBinary.start(
      ["--lock-timeout", "20s", "lock", "run", "--name", "deploy", "--", "true"],
      environment: store.agent(host: "b"))
    usleep(300_000)
    let killed = ContinuousClock.now
    // The holder and its command: on the file store the command holds the lock too (it
    // inherited the open file); on PostgreSQL the lock dies with tandem's session.
    kill(holder.pid, SIGKILL)
    _ = try TandemBinary.startProgram("/usr/bin/pkill", ["-KILL", "-f", "sleep \(marker)"]).wait()
    let result = waiter.wait()
    let tookOver = ContinuousClock.now - killed
    _ = holder.wait()
    #expect(result.status == 0, "\(result.standardError)")
    // Far below the waiter's 20 s lock timeout: the lock was freed, not waited out.
    #expect(tookOver < .seconds(10), "the waiter ran \(tookOver) after the holder was killed")
  }

  @Test(
    "on PostgreSQL the lock lives with tandem's session: the command inherits no socket, and killing tandem frees the lock at once",
    .enabled(if: stores.contains(.postgres)))
  func lockLivesWithTheSession() throws {
    let store = try Store.make(.postgres)
    let marker = "31.\(Int.random(in: 100...999))"
    let holder = try TandemBinary.start(
      ["lock", "run", "--name", "deploy", "--", "sleep", marker], environment: store.agent(host: "a"))
    try waitUntilHeld(store, name: "deploy")
    defer { _ = try? TandemBinary.startProgram("/usr/bin/pkill", ["-KILL", "-f", "sleep \(marker)"]).wait() }
    // The lock is held from before tandem starts its command: wait (bounded) for the command.
    var found: Int32?
    for _ in 0..<250 where found == nil {
      let command = try TandemBinary.startProgram("/usr/bin/pgrep", ["-f", "^sleep \(marker)$"]).wait()
      found = Int32(command.standardOutput.split(separator: "\n").first ?? "")
      if found == nil { usleep(20_000) }
    }
    let commandPID = try #require(found, "the command never started")
    // The database client's sockets and event descriptors stay with tandem: the command
    // cannot keep the session (and the lock) open, nor talk to it.
    let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(commandPID)/fd")) ?? []
    let inherited = descriptors.compactMap {
      try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(commandPID)/fd/\($0)")
    }
    .filter { $0.hasPrefix("socket:") || $0.hasPrefix("anon_inode:") }
    #expect(inherited.isEmpty, "the command inherited \(inherited)")
    let waiter = try TandemBinary.start(
      ["--lock-timeout", "20s", "lock", "run", "--name", "deploy", "--", "true"],
      environment: store.agent(host: "b"))
    usleep(300_000)
    let killed = ContinuousClock.now
    kill(holder.pid, SIGKILL)  // tandem only: its command goes on running
    let result = waiter.wait()
    let tookOver = ContinuousClock.now - killed
    #expect(kill(commandPID, 0) == 0, "the command was still running when the lock was taken over")
    kill(commandPID, SIGKILL)  // it holds the holder's output pipe open
    _ = holder.wait()
    #expect(result.status == 0, "\(result.standardError)")
    // Far below the waiter's 20 s lock timeout: the lock was freed, not waited out.
    #expect(tookOver < .seconds(10), "the waiter ran \(tookOver) after tandem was killed")
  }

  @Test("instance namespaces layer over the shared document, as on one machine", arguments: stores)
  func namespaces(_ kind: Store.Kind) throws {
    let store = try Store.make(kind)
    try TandemBinary.run(["config", "set", "region=eu", "--scope", "shared"], environment: store.environment)
    try TandemBinary.run(
      ["config", "set", "color=blue", "--scope", "shared"], environment: store.environment)
    try TandemBinary.run(
      ["--instance-id", "agent-1", "config", "set", "region=us"], environment: store.environment)
    let mine = try TandemBinary.run(
      ["-o", "json", "--instance-id", "agent-1", "config", "get", "region"], environment: store.environment)
    #expect(mine.data?["value"] as? String == "us" && mine.data?["scope"] as? String == "instance")
    let inherited = try TandemBinary.run(
      ["-o", "json", "--instance-id", "agent-1", "config", "get", "color"], environment: store.environment)
    #expect(inherited.data?["value"] as? String == "blue" && inherited.data?["scope"] as? String == "shared")
    let other = try TandemBinary.run(
      ["--instance-id", "agent-2", "config", "get", "region"], environment: store.environment)
    #expect(other.standardOutput == "eu\n")
  }

  /// Waits (bounded) until `lock status` says the lock is held.
  private func waitUntilHeld(_ store: Store, name: String? = nil, instance: String? = nil) throws {
    let arguments =
      ["-o", "json"] + (instance.map { ["--instance-id", $0] } ?? []) + ["lock", "status"]
      + (name.map { ["--name", $0] } ?? [])
    for _ in 0..<100 {
      let status = try TandemBinary.run(arguments, environment: store.environment)
      if status.data?["held"] as? Bool == true { return }
      usleep(50_000)
    }
    Issue.record("the lock was never held")
  }
}
