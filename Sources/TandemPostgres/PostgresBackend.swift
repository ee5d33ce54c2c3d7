import PostgresNIO
public import TandemState

/// State kept in PostgreSQL, shared by every host that reaches the server: documents with
/// revisions, and named locks, with the guarantees the file store gives on one machine
/// (``RevisionedDocumentStore``, ``NamedStateLock``).
///
/// ```swift
/// let backend = try PostgresBackend(
///   url: "postgresql://agent@db.internal:5432/state?sslmode=verify-full",
///   tool: .tandem, environment: environment)
/// try backend.store(.shared).update(timeout: .seconds(5), ifRevision: nil, intent: nil) {
///   $0.set([(key: "region", value: "eu-west-1")])
/// }
/// ```
///
/// The password is read from `PGPASSWORD` or the password file, never from the URL
/// (``PostgresStoreURL``). Nothing connects until the first operation; the first session of
/// a process creates or upgrades the tables if needed.
public struct PostgresBackend: StateBackend {
  /// Where the store is.
  public let url: PostgresStoreURL
  /// The tool whose state this is: its documents and locks are apart from other tools'.
  public let tool: ToolIdentity
  let connector: PostgresConnector

  /// A backend for `tool` at `url`, with libpq's variables (`PGPASSWORD`, `PGPASSFILE`,
  /// `PGUSER`, ...) and the tool's `<PREFIX>_HOST` (this host's name in holder records)
  /// read from `environment`.
  ///
  /// Throws ``StateError/Code/invalidArgument`` for a malformed URL and
  /// ``StateError/Code/setupRequired`` for a password file others may read.
  public init(url: String, tool: ToolIdentity, environment: [String: String]) throws(StateError) {
    let parsed = try PostgresStoreURL(url, environment: environment)
    self.url = parsed
    self.tool = tool
    connector = PostgresConnector(
      url: parsed, identity: PostgresClientIdentity(tool: tool, environment: environment),
      password: try PostgresPassword.find(for: parsed, environment: environment))
  }

  public func store(_ namespace: Namespace, document name: String) -> PostgresDocumentStore {
    PostgresDocumentStore(connector: connector, tool: tool, namespace: namespace, name: name)
  }

  public func lock(named name: String) throws(StateError) -> PostgresNamedLock {
    try InstanceID.validateName(name, kind: "lock name")
    return PostgresNamedLock(
      name: name, key: .named(tool: tool.name, name: name), connector: connector,
      path: url.location + "#" + tool.name + "/locks/" + name)
  }
}

extension PostgresBackend {
  /// Runs one SQL statement in a session of this backend and returns the first column of
  /// each row as text: for the project's tests and tools, which look at and damage the
  /// store's tables the way a person with `psql` could.
  package func run(sql: String) throws(StateError) -> [String?] {
    try connector.withSession { session throws(StateError) in
      let rows = try session.query(PostgresQuery(unsafeSQL: sql), doing: "run a statement")
      return rows.map { row in (try? row.decode(String?.self)) ?? nil }
    }
  }
}

extension PostgresBackend {
  /// The password a backend for `url` would use, from `environment`: for tests of the
  /// lookup rules, which must never print it.
  package static func password(for url: PostgresStoreURL, environment: [String: String]) throws(StateError)
    -> String?
  {
    try PostgresPassword.find(for: url, environment: environment)
  }
}
