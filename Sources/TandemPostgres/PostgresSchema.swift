import PostgresNIO
import TandemState

/// The store's tables, created and upgraded by the tool itself.
///
/// Each step is idempotent and numbered; `tandem_schema` records the last one applied. The
/// steps run in one transaction under an advisory lock, so that of N agents starting at once
/// against an empty database one creates the tables and the others wait, then find them.
///
/// Hosts are upgraded one at a time, so a database may be at a newer version than a host's
/// tool. `tandem_schema.compatible_from` (since version 2) says which tools may still use
/// it: a step that only adds (a table, a column with a default) keeps it, a step that
/// changes what older tools rely on raises it. A tool older than `compatible_from` refuses
/// the store (SETUP_REQUIRED) rather than write with assumptions that no longer hold; one at
/// or above it uses the tables as they are.
enum PostgresSchema {
  /// The version this build creates and understands.
  static let version: Int32 = 2

  /// The oldest version whose tools can use tables at ``version``: version 2 only added
  /// `tandem_accounts`, which version 1 never reads.
  static let compatibleFrom: Int32 = 1

  /// The steps, in order: step `n` takes the schema from version `n - 1` to `n`.
  static let steps: [[PostgresQuery]] = [
    [
      """
      CREATE TABLE IF NOT EXISTS tandem_schema (
        id integer PRIMARY KEY CHECK (id = 1),
        version integer NOT NULL)
      """,
      // One row per document; a row is never deleted (a removed document is an empty body
      // at the next revision), so that its revisions never start again (no ABA).
      // `commit_token` tells a writer whose connection dropped during COMMIT whether its
      // transaction committed.
      """
      CREATE TABLE IF NOT EXISTS tandem_documents (
        tool text NOT NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        revision bigint NOT NULL CHECK (revision > 0),
        body text NOT NULL,
        commit_token text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tool, namespace, name))
      """,
      // Documents moved aside by a repair, as the file store renames a corrupt file.
      """
      CREATE TABLE IF NOT EXISTS tandem_documents_aside (
        tool text NOT NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        revision bigint NOT NULL,
        body text NOT NULL,
        reason text NOT NULL,
        moved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tool, namespace, name, revision))
      """,
    ],
    // Accounts and their tokens (PostgresAccountRecords says why a table of their own).
    [
      """
      CREATE TABLE IF NOT EXISTS tandem_accounts (
        tool text NOT NULL,
        account text NOT NULL,
        highest_generation bigint NOT NULL CHECK (highest_generation >= 0),
        body text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tool, account))
      """,
      "ALTER TABLE tandem_schema ADD COLUMN IF NOT EXISTS compatible_from integer NOT NULL DEFAULT 1",
    ],
  ]

  /// Makes sure the tables exist at this build's version, creating or upgrading them. On an
  /// error the caller closes the session, which ends the transaction this may have begun.
  static func prepare(_ session: PostgresSession) throws(StateError) {
    let current = try currentVersion(session)
    if current == version { return }
    if current > version { return try checkCompatible(session, found: current) }
    _ = try session.query("BEGIN", doing: "create the store's tables")
    // On an error the caller closes the session, which ends the transaction.
    _ = try session.query(
      "SELECT pg_advisory_xact_lock(\(PostgresLockKey.schema.value))", doing: "create the store's tables")
    let found = try currentVersion(session)
    if found > version {
      // A newer tool upgraded it while this one waited for the lock.
      try checkCompatible(session, found: found)
    } else {
      for step in steps[Int(found)...] {
        for statement in step { _ = try session.query(statement, doing: "create the store's tables") }
      }
      _ = try session.query(
        """
        INSERT INTO tandem_schema (id, version, compatible_from) VALUES (1, \(version), \(compatibleFrom))
        ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version,
          compatible_from = GREATEST(tandem_schema.compatible_from, EXCLUDED.compatible_from)
        """, doing: "create the store's tables")
    }
    _ = try session.query("COMMIT", doing: "create the store's tables")
  }

  /// Tables at `found`, a version newer than this tool's: used as they are when this tool
  /// is at least their `compatible_from`, refused otherwise.
  private static func checkCompatible(_ session: PostgresSession, found: Int32) throws(StateError) {
    let rows = try session.query(
      "SELECT compatible_from FROM tandem_schema WHERE id = 1", doing: "read the store's version")
    let oldest = (try? rows.first?.decode(Int32.self)) ?? found
    guard oldest <= version else {
      var failure = StateError(
        .setupRequired,
        "the store at \(session.url.redacted) has tables of version \(found), usable only by tools of version "
          + "\(oldest) or newer; this tool knows version \(version)")
      failure.fixRequired = "upgrade the tool on this host to the version the other hosts run"
      throw failure
    }
  }

  /// The version recorded in the database, 0 when there are no tables yet.
  private static func currentVersion(_ session: PostgresSession) throws(StateError) -> Int32 {
    let exists = try session.query(
      "SELECT to_regclass('tandem_schema') IS NOT NULL", doing: "read the store's version")
    guard (try? exists.first?.decode(Bool.self)) == true else { return 0 }
    let rows = try session.query(
      "SELECT version FROM tandem_schema WHERE id = 1", doing: "read the store's version")
    return (try? rows.first?.decode(Int32.self)) ?? 0
  }
}
