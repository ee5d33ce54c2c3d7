import PostgresNIO
import TandemState

/// The store's tables, created and upgraded by the tool itself.
///
/// Each step is idempotent and numbered; `tandem_schema` records the last one applied. The
/// steps run in one transaction under an advisory lock, so that of N agents starting at once
/// against an empty database one creates the tables and the others wait, then find them.
/// A database upgraded by a newer tool (a higher version than this one knows) is refused
/// rather than written with assumptions that may no longer hold.
enum PostgresSchema {
  /// The version this build creates and understands.
  static let version: Int32 = 2

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
      """
    ],
  ]

  /// Makes sure the tables exist at this build's version, creating or upgrading them.
  static func prepare(_ session: PostgresSession) throws(StateError) {
    if try currentVersion(session) == version { return }
    _ = try session.query("BEGIN", doing: "create the store's tables")
    do throws(StateError) {
      _ = try session.query(
        "SELECT pg_advisory_xact_lock(\(PostgresLockKey.schema.value))", doing: "create the store's tables")
      let found = try currentVersion(session)
      guard found <= version else {
        var failure = StateError(
          .setupRequired,
          "the store at \(session.url.redacted) has tables of version \(found), newer than this tool knows (\(version))"
        )
        failure.fixRequired = "upgrade the tool on this host to the version the other hosts run"
        throw failure
      }
      for step in steps[Int(found)...] {
        for statement in step { _ = try session.query(statement, doing: "create the store's tables") }
      }
      _ = try session.query(
        """
        INSERT INTO tandem_schema (id, version) VALUES (1, \(version))
        ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version
        """, doing: "create the store's tables")
      _ = try session.query("COMMIT", doing: "create the store's tables")
    } catch {
      session.close()
      throw error
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
