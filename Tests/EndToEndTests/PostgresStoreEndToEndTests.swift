import Foundation
import TandemTestSupport
import Testing

/// `tandem --store postgresql://...` against the server of `scripts/postgres` (which
/// scripts/test starts): the config and lock commands on the database, answered by
/// `tandem-postgres`, which `tandem` hands the command line to. Each test works in an instance
/// namespace and named locks of its own, so that tests sharing the database do not meet.
@Suite(
  "tandem with a PostgreSQL store, through the binaries",
  .enabled(
    if: ProcessInfo.processInfo.environment["TANDEM_TEST_POSTGRES"] != "skip",
    "TANDEM_TEST_POSTGRES=skip turns off the PostgreSQL tests"))
struct PostgresStoreEndToEndTests {
  let home = Home()
  let instance = "e2e-" + String(UInt64.random(in: .min ... .max), radix: 36)

  /// The server's URL and the client's environment (the password in `PGPASSWORD`).
  func server() throws -> (url: String, environment: [String: String]) {
    let variables = ProcessInfo.processInfo.environment
    guard let url = variables["TANDEM_TEST_POSTGRES_URL"],
      let password = variables["TANDEM_TEST_POSTGRES_PASSWORD"]
    else {
      Issue.record(
        """
        TANDEM_TEST_POSTGRES_URL is not set: run the tests with scripts/test, or start a server with \
        `eval "$(scripts/postgres start DIR)"` first
        """)
      throw CancellationError()
    }
    return (url, ["PGPASSWORD": password])
  }

  /// `tandem --home HOME --instance-id ID --output json --store URL ARGS...`
  func arguments(_ arguments: [String]) throws -> [String] {
    home.args(["--store", try server().url] + arguments, instance: instance)
  }

  @discardableResult
  func run(_ arguments: [String]) throws -> TandemBinary.Result {
    try TandemBinary.run(try self.arguments(arguments), environment: try server().environment)
  }

  @Test("config commands read and write the database, report its paths, and create nothing in the home")
  func configCommands() throws {
    let document = try server().url + "#tandem/instances/\(instance)/config.json"
    let set = try run(["config", "set", "a=1", "b=2"])
    #expect(set.status == 0, "\(set.standardOutput) \(set.standardError)")
    #expect(set.data?["revision"] as? Int == 1)
    #expect(set.data?["write_scope"] as? String == "instance")
    #expect(set.data?["path"] as? String == document)

    let get = try run(["config", "get", "--scope", "instance", "a"])
    #expect(get.data?["value"] as? String == "1" && get.data?["scope"] as? String == "instance")
    #expect(get.data?["revision"] as? Int == 1 && get.data?["written_by"] as? String == instance)
    let list = try run(["config", "list", "--scope", "instance"])
    #expect((list.data?["entries"] as? [[String: Any]])?.map { $0["key"] as? String } == ["a", "b"])

    let preview = try run(["config", "unset", "--dry-run", "a"])
    #expect(preview.status == 0 && preview.data?["path"] as? String == document)
    let effect = preview.data?["effect"] as? [String: Any]
    #expect(effect?["revision_before"] as? Int == 1 && effect?["revision_after"] as? Int == 2)
    #expect(try run(["config", "get", "a"]).data?["value"] as? String == "1", "a dry run changes nothing")

    let stale = try run(["config", "unset", "--if-revision", "0", "a"])
    #expect(stale.status == 6 && stale.error?["reason"] as? String == "revision_mismatch")
    let unset = try run(["config", "unset", "--if-revision", "1", "a"])
    #expect(unset.status == 0 && unset.data?["revision"] as? Int == 2, "\(unset.standardOutput)")
    #expect(try run(["config", "get", "--scope", "instance", "a"]).status == 5)

    let repair = try run(["config", "repair", "--dry-run"])
    #expect(repair.status == 0 && repair.data?["path"] as? String == document)
    #expect(repair.data?["moved_to"] is NSNull)
    #expect(!FileManager.default.fileExists(atPath: home.path), "the home's files were not used")
  }

  @Test("lock run holds the document's lock in the database: another process's write times out meanwhile")
  func documentLock() throws {
    // JSON mode: the command's standard output goes to standard error. `$PPID` is the
    // process that runs the command: tandem-postgres, which tandem became.
    let holder = try TandemBinary.start(
      try arguments(["lock", "run", "--", "sh", "-c", "readlink /proc/$PPID/exe; sleep 2"]),
      environment: try server().environment)
    var held = false
    for _ in 0..<300 where !held {
      held = try run(["lock", "status"]).data?["held"] as? Bool == true
      if !held { usleep(10_000) }
    }
    #expect(held, "lock status sees the lock held")
    let blocked = try run(["--lock-timeout", "0", "config", "set", "k=1"])
    #expect(
      blocked.status == 6 && blocked.error?["reason"] as? String == "lock_timeout",
      "\(blocked.standardOutput)")
    let finished = holder.wait()
    #expect(finished.status == 0, "\(finished.standardOutput) \(finished.standardError)")
    #expect(finished.standardError.hasPrefix("/") && finished.standardError.contains("/tandem-postgres\n"))
    #expect(try run(["--lock-timeout", "5s", "config", "set", "k=1"]).status == 0, "free again")
  }

  @Test("lock run --name takes a named lock in the database; lock status --name sees it")
  func namedLock() throws {
    let name = "deploy-" + instance
    let holder = try TandemBinary.start(
      try arguments(["lock", "run", "--name", name, "--", "sleep", "2"]),
      environment: try server().environment)
    var status: [String: Any]?
    for _ in 0..<300 {
      status = try run(["lock", "status", "--name", name]).data
      if status?["held"] as? Bool == true { break }
      usleep(10_000)
    }
    #expect(status?["held"] as? Bool == true)
    let second = try run(["--lock-timeout", "0", "lock", "run", "--name", name, "--", "touch", "ran"])
    #expect(second.status == 6 && second.errorCode == "CONCURRENT_MODIFICATION")
    #expect(!FileManager.default.fileExists(atPath: "ran"), "the second command was not run")
    #expect(holder.wait().status == 0)
    #expect(try run(["lock", "status", "--name", name]).data?["held"] as? Bool == false)
  }
}
