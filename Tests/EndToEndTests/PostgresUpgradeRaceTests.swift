import Foundation
import TandemTestSupport
import Testing

/// Agents starting at once on a database that an older tool created: the tables are
/// upgraded by one of them, under the schema's advisory lock, and every agent succeeds.
@Suite(
  "PostgreSQL: 8 agents at once on tables of version 1",
  .enabled(
    if: ProcessInfo.processInfo.environment["TANDEM_TEST_POSTGRES"] != "skip",
    "TANDEM_TEST_POSTGRES=skip turns off the PostgreSQL tests"))
struct PostgresUpgradeRaceTests {
  typealias Store = StoreConformanceTests.Store

  @Test("each of 8 agents on 8 hosts succeeds, and the tables go from version 1 to 2 once")
  func eightAgentsUpgradeOnce() throws {
    let store = try Store.make(.postgres)
    let seed = try TandemBinary.run(["config", "set", "seed=1"], environment: store.environment)
    #expect(seed.status == 0, "\(seed.standardError)")
    // The tables as version 1 left them, and a log of every change to the version row.
    _ = try StoreCredentialEdgeTests.psql(
      """
      DROP TABLE tandem_accounts;
      ALTER TABLE tandem_schema DROP COLUMN compatible_from;
      UPDATE tandem_schema SET version = 1;
      CREATE TABLE version_log (old_version integer, new_version integer);
      CREATE FUNCTION log_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO version_log VALUES (CASE WHEN TG_OP = 'UPDATE' THEN OLD.version END, NEW.version);
          RETURN NEW;
        END $$;
      CREATE TRIGGER log_version AFTER INSERT OR UPDATE ON tandem_schema
        FOR EACH ROW EXECUTE FUNCTION log_version();
      """, store: store)

    // Every agent reads version 1 at once: a session holds the version table until all of
    // them are queued behind it, so that only the schema's advisory lock keeps them from
    // upgrading side by side.
    let variables = ProcessInfo.processInfo.environment
    let schema = try #require(store.environment["TANDEM_STORE"]?.components(separatedBy: "schema=").last)
    let gate = try TandemBinary.startProgram(
      "/usr/bin/psql",
      [
        Store.psqlURL(try #require(variables["TANDEM_TEST_POSTGRES_URL"])), "-v", "ON_ERROR_STOP=1", "-qAt",
        "-c",
        "BEGIN; LOCK TABLE \(schema).tandem_schema IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2); COMMIT",
      ], environment: ["PGPASSWORD": variables["TANDEM_TEST_POSTGRES_PASSWORD"] ?? ""])
    usleep(300_000)

    // Half write a document, half log in to an account (which needs the new table).
    let started = try (0..<8).map { index in
      let arguments =
        index % 2 == 0
        ? ["-o", "json", "config", "set", "k\(index)=v\(index)"]
        : ["-o", "json", "auth", "login", "--account", "a\(index)", "--refresh-command", "true"]
      return try TandemBinary.start(arguments, environment: store.agent(host: "host-\(index)"))
    }
    #expect(gate.wait().status == 0)
    let agents = started.map { $0.wait() }
    for (index, agent) in agents.enumerated() {
      #expect(
        agent.status == 0 && agent.envelopeProblems().isEmpty, "agent \(index): \(agent.standardOutput)")
    }
    let changes = try StoreCredentialEdgeTests.psql(
      "SELECT old_version || '->' || new_version FROM version_log WHERE old_version IS DISTINCT FROM new_version",
      store: store)
    #expect(changes == ["1->2"], "upgraded once: \(changes)")
    #expect(
      try StoreCredentialEdgeTests.psql(
        "SELECT version || '/' || compatible_from FROM tandem_schema", store: store)
        == ["2/1"])
    let list = try TandemBinary.run(["-o", "json", "auth", "list"], environment: store.environment)
    #expect((list.data?["accounts"] as? [[String: Any]])?.count == 4, "\(list.standardOutput)")
    let keys = try TandemBinary.run(["-o", "json", "config", "list"], environment: store.environment)
    #expect((keys.data?["entries"] as? [[String: Any]])?.count == 5, "\(keys.standardOutput)")
  }
}
