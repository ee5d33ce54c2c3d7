import TandemPostgres
import TandemState
import TandemTestSupport
import Testing

/// The store's tables across tool versions: hosts are upgraded one at a time, so a database
/// meets tools older and newer than the one that last upgraded it.
@Suite("The PostgreSQL store's tables across tool versions", .needsPostgres)
struct PostgresSchemaTests {
  /// A schema of its own, and a backend of a fresh tool on it.
  private static func freshSchema() throws -> (schema: String, admin: PostgresBackend, tool: ToolIdentity) {
    let admin = try TestDatabase.backend()
    let schema = "s" + String(UInt64.random(in: .min ... .max), radix: 36)
    _ = try admin.run(sql: "CREATE SCHEMA \(schema)")
    return (schema, admin, TestDatabase.freshTool())
  }

  private static let intent = LockIntent(instanceID: nil, command: "schema test")

  @Test("tables created by version 1 are upgraded in place: documents and revisions kept, accounts added")
  func upgradeFromVersion1() throws {
    let (schema, admin, tool) = try Self.freshSchema()
    // A database as version 1 left it: the document tables, no accounts, no compatible_from.
    let first = try TestDatabase.backend(tool: tool, query: "schema=\(schema)")
    for value in ["1", "2"] {
      try first.store(.shared).update(timeout: .seconds(10), ifRevision: nil, intent: Self.intent) {
        $0.set([(key: "region", value: value)])
      }
    }
    _ = try admin.run(sql: "DROP TABLE \(schema).tandem_accounts")
    _ = try admin.run(sql: "ALTER TABLE \(schema).tandem_schema DROP COLUMN compatible_from")
    _ = try admin.run(sql: "UPDATE \(schema).tandem_schema SET version = 1")

    let upgraded = try TestDatabase.backend(tool: tool, query: "schema=\(schema)")
    let before = try upgraded.store(.shared).read()
    #expect(before.revision == 2 && before["region"] == "2")
    #expect(
      try admin.run(sql: "SELECT version || '/' || compatible_from FROM \(schema).tandem_schema") == ["2/1"])
    // Revisions continue where they were; accounts work.
    try upgraded.store(.shared).update(timeout: .seconds(10), ifRevision: 2, intent: Self.intent) {
      $0.set([(key: "region", value: "3")])
    }
    #expect(try upgraded.store(.shared).read().revision == 3)
    try upgraded.credentials.login(
      account: "ci", source: .command("true"), refreshToken: nil, timeout: .seconds(10), intent: Self.intent)
    #expect(try upgraded.credentials.records().map(\.name) == ["ci"])
  }

  @Test("tables a newer tool upgraded compatibly are used as they are, and not downgraded")
  func newerCompatible() throws {
    let (schema, admin, tool) = try Self.freshSchema()
    let first = try TestDatabase.backend(tool: tool, query: "schema=\(schema)")
    try first.store(.shared).update(timeout: .seconds(10), ifRevision: nil, intent: Self.intent) {
      $0.set([(key: "region", value: "1")])
    }
    // A version 3 that only added something: tools from version 2 on may use it.
    _ = try admin.run(sql: "UPDATE \(schema).tandem_schema SET version = 3, compatible_from = 2")

    let older = try TestDatabase.backend(tool: tool, query: "schema=\(schema)")
    try older.store(.shared).update(timeout: .seconds(10), ifRevision: 1, intent: Self.intent) {
      $0.set([(key: "region", value: "2")])
    }
    #expect(try older.store(.shared).read().revision == 2)
    #expect(
      try admin.run(sql: "SELECT version || '/' || compatible_from FROM \(schema).tandem_schema") == ["3/2"])
  }

  @Test(
    "tables a newer tool changed beyond this tool's version: SETUP_REQUIRED naming both versions, nothing written"
  )
  func newerIncompatible() throws {
    let (schema, admin, tool) = try Self.freshSchema()
    let first = try TestDatabase.backend(tool: tool, query: "schema=\(schema)")
    try first.store(.shared).update(timeout: .seconds(10), ifRevision: nil, intent: Self.intent) {
      $0.set([(key: "region", value: "1")])
    }
    _ = try admin.run(sql: "UPDATE \(schema).tandem_schema SET version = 4, compatible_from = 3")

    let older = try TestDatabase.backend(tool: tool, query: "schema=\(schema)")
    let refused = #expect(throws: StateError.self) {
      try older.store(.shared).update(timeout: .seconds(10), ifRevision: nil, intent: Self.intent) {
        $0.set([(key: "region", value: "2")])
      }
    }
    #expect(refused?.code == .setupRequired)
    #expect(refused?.message.contains("tables of version 4") == true, "\(refused?.message ?? "")")
    #expect(refused?.message.contains("tools of version 3 or newer; this tool knows version 2") == true)
    #expect(refused?.fixRequired?.contains("upgrade the tool on this host") == true)
    let bodies = try admin.run(
      sql: "SELECT revision::text FROM \(schema).tandem_documents WHERE tool = '\(tool.name)'")
    #expect(bodies == ["1"])
  }
}
