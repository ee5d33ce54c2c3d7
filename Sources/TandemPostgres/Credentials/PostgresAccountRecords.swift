import PostgresNIO
public import TandemState

/// Account records in PostgreSQL, each locked with an advisory lock of its own: the
/// ``AccountRecordStore`` under ``AccountCredentials`` when several hosts share one
/// service account's tokens (``PostgresBackend/credentials``).
///
/// One row per tool and account in `tandem_accounts`, whose body is the record exactly as
/// the file store writes it (``AccountRecord``'s JSON, same format tag): one encoding, one
/// decoder, one set of checks for a damaged record.
///
/// Why a table of its own, not rows of `tandem_documents` in a namespace `credentials`:
/// - Tokens are secrets and configuration is not. In a table of their own, a database
///   administrator can grant them apart (an auditing role reads `tandem_documents` but not
///   `tandem_accounts`; row-level security per tool), and no code that lists, repairs or
///   moves documents aside (`tandem_documents_aside`) ever copies a token.
/// - The document table's rows must be configuration documents (its readers decode every
///   body as one); an account record there would read as a corrupt document.
///
/// A logout empties the body and keeps the row: `highest_generation` goes on counting, so a
/// login after a logout continues above every generation issued before (the file store's
/// lock file keeps the same count), and an `--if-generation` taken before never matches.
///
/// Secrets travel only as bound parameters: never in a statement's text (which
/// `pg_stat_activity` shows), its comment, a log (the client's logger drops everything) or
/// a message.
public struct PostgresAccountRecords: AccountRecordStore {
  let connector: PostgresConnector
  let tool: ToolIdentity

  init(connector: PostgresConnector, tool: ToolIdentity) {
    self.connector = connector
    self.tool = tool
  }

  /// The format tag of account records, from the tool: `NAME.credentials/1`, as in files.
  var recordFormat: String { tool.documentFormat(AccountRecord.formatKind, version: 1) }

  public var location: String { connector.url.location + "#" + tool.name + "/credentials" }

  public func path(of account: String) -> String { location + "/" + account }

  /// Hosts share the store: the mark names the host beside the pid.
  public var refreshingHost: String? { connector.identity.host }

  public func record(_ account: String) throws(StateError) -> AccountRecord? {
    try connector.withSession { session throws(StateError) in
      try read(account, in: session, comment: "")
    }
  }

  public func records() throws(StateError) -> [AccountRecord] {
    try connector.withSession { session throws(StateError) in
      var binds = PostgresBindings()
      binds.append(tool.name)
      let rows = try session.query(
        PostgresQuery(
          unsafeSQL: "SELECT account, body FROM tandem_accounts WHERE tool = $1 AND body <> ''", binds: binds),
        doing: "list the accounts")
      var result: [AccountRecord] = []
      for row in rows {
        guard let (account, body) = try? row.decode((String, String).self) else {
          throw corrupt(nil, "a row cannot be read")
        }
        // A row whose name the tool would refuse was not written by it: left out, as the
        // file store leaves out files whose names are not account names.
        guard InstanceID.isValid(account) else { continue }
        result.append(try decode(body, account: account))
      }
      return result.sorted { $0.name < $1.name }
    }
  }

  public func lock(_ account: String, timeout: LockTimeout, intent: LockIntent) throws(StateError)
    -> PostgresAccountLock
  {
    let session = try connector.session()
    let key = PostgresLockKey.account(tool: tool.name, name: account)
    do {
      try PostgresLocking.acquire(
        key, scope: .session, in: session, timeout: timeout, intent: intent, path: path(of: account))
    } catch {
      connector.recycle(session, clean: error.conflictReason == .lockTimeout)
      throw error
    }
    return PostgresAccountLock(
      account: account, session: session, key: key, comment: PostgresClientIdentity.comment(for: intent),
      connector: connector)
  }

  public func lock(_ account: String, timeout: LockTimeout, intent: LockIntent) async throws(StateError)
    -> PostgresAccountLock
  {
    let session = try connector.session()
    let key = PostgresLockKey.account(tool: tool.name, name: account)
    do {
      try await PostgresLocking.acquire(
        key, in: session, timeout: timeout, intent: intent, path: path(of: account))
    } catch {
      connector.recycle(session, clean: error.conflictReason == .lockTimeout)
      throw error
    }
    return PostgresAccountLock(
      account: account, session: session, key: key, comment: PostgresClientIdentity.comment(for: intent),
      connector: connector)
  }

  public func record(_ account: String, under lock: PostgresAccountLock) throws(StateError) -> AccountRecord?
  {
    do {
      return try read(account, in: lock.session, comment: lock.comment)
    } catch {
      throw lockLost(error, account: account, doing: "read again")
    }
  }

  public func save(_ record: AccountRecord, under lock: PostgresAccountLock) throws(StateError) {
    let body = String(decoding: record.encode(format: recordFormat), as: UTF8.self)
    var binds = PostgresBindings()
    binds.append(tool.name)
    binds.append(record.name)
    binds.append(Int64(clamping: record.generation))
    binds.append(body)
    do {
      // In the lock's own session (see PostgresAccountLock): it still holds the lock.
      _ = try lock.session.query(
        PostgresQuery(
          unsafeSQL: lock.comment
            + """
            INSERT INTO tandem_accounts (tool, account, highest_generation, body) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tool, account) DO UPDATE
              SET highest_generation = GREATEST(tandem_accounts.highest_generation, EXCLUDED.highest_generation),
                body = EXCLUDED.body, updated_at = now()
            """,
          binds: binds),
        doing: "save account \(record.name)")
    } catch {
      throw lockLost(error, account: record.name, doing: "saved")
    }
  }

  public func remove(_ account: String, under lock: PostgresAccountLock) throws(StateError) {
    var binds = PostgresBindings()
    binds.append(tool.name)
    binds.append(account)
    do {
      _ = try lock.session.query(
        PostgresQuery(
          unsafeSQL: lock.comment
            + "UPDATE tandem_accounts SET body = '', updated_at = now() WHERE tool = $1 AND account = $2",
          binds: binds),
        doing: "remove account \(account)")
    } catch {
      throw lockLost(error, account: account, doing: "removed")
    }
  }

  public func issuedGenerations(under lock: PostgresAccountLock) throws(StateError) -> UInt64 {
    var binds = PostgresBindings()
    binds.append(tool.name)
    binds.append(lock.account)
    let rows: PostgresQueryResult
    do {
      rows = try lock.session.query(
        PostgresQuery(
          unsafeSQL: lock.comment
            + "SELECT highest_generation FROM tandem_accounts WHERE tool = $1 AND account = $2",
          binds: binds),
        doing: "read account \(lock.account)")
    } catch {
      throw lockLost(error, account: lock.account, doing: "read again")
    }
    guard let row = rows.first else { return 0 }
    guard let highest = try? row.decode(Int64.self), highest >= 0 else {
      throw corrupt(lock.account, "its generation count cannot be read")
    }
    return UInt64(highest) + 1
  }

  public func release(_ lock: PostgresAccountLock) {
    lock.release()
  }

  // MARK: - Reading

  private func read(_ account: String, in session: PostgresSession, comment: String) throws(StateError)
    -> AccountRecord?
  {
    var binds = PostgresBindings()
    binds.append(tool.name)
    binds.append(account)
    let rows = try session.query(
      PostgresQuery(
        unsafeSQL: comment + "SELECT body FROM tandem_accounts WHERE tool = $1 AND account = $2", binds: binds
      ),
      doing: "read account \(account)")
    guard let row = rows.first else { return nil }
    guard let body = try? row.decode(String.self) else { throw corrupt(account, "its row cannot be read") }
    // Logged out: the row stays for its generation count.
    if body.isEmpty { return nil }
    return try decode(body, account: account)
  }

  private func decode(_ body: String, account: String) throws(StateError) -> AccountRecord {
    guard body.utf8.count <= StateLimits.maximumDocumentBytes,
      let record = AccountRecord.decode(Array(body.utf8), format: recordFormat)
    else {
      throw corrupt(account, "it is not an account record of \(tool.name)")
    }
    guard record.name == account else { throw corrupt(account, "its body names another account") }
    return record
  }

  private func corrupt(_ account: String?, _ reason: String) -> StateError {
    let place = account.map { path(of: $0) } ?? location
    var error = StateError(
      .stateCorrupt, "\(place) is corrupt: \(reason); it was left untouched", path: place)
    // Names are checked identifiers (letters, digits, `.`, `_`, `-`): safe to show in SQL.
    let row = "tool = '\(tool.name)'" + (account.map { " AND account = '\($0)'" } ?? "")
    // The schema named: run from psql's default search path, the statement would otherwise
    // empty the same account of another store sharing the database.
    let table = (connector.url.schema.map { $0 + "." } ?? "") + "tandem_accounts"
    error.fixRequired =
      "empty it (UPDATE \(table) SET body = '' WHERE \(row)), which keeps its generation count, then "
      + "log in again"
    return error
  }

  /// A statement under the lock that failed because the lock's session ended: another host
  /// may hold the lock now, so nothing more is done under it.
  private func lockLost(_ error: StateError, account: String, doing: String) -> StateError {
    guard error.code == .unavailable else { return error }
    var lost = StateError(
      .unavailable,
      "the database session holding the lock of account \(account) ended before its record could be \(doing) "
        + "(\(error.message)); the lock is free again, maybe taken by another host, and this change may not "
        + "have been made",
      path: path(of: account))
    lost.retryAfterMilliseconds = error.retryAfterMilliseconds ?? 1000
    lost.suggestion = "run the same command again once the server is reachable"
    return lost
  }
}

extension PostgresLockKey {
  /// The lock of account `name` of `tool`: the single flight of its refreshes.
  static func account(tool: String, name: String) -> PostgresLockKey {
    PostgresLockKey(hashing: [tool, "account", name])
  }
}

/// The credentials of a PostgreSQL store: ``AccountCredentials`` on ``PostgresAccountRecords``.
public typealias PostgresCredentialStore = AccountCredentials<PostgresAccountRecords>

extension PostgresBackend {
  /// Accounts and their tokens in this store, shared by every host that reaches it: one
  /// refresh per account among all of them, and the same generation-based 401 recovery as
  /// ``CredentialStore`` gives processes on one machine.
  public var credentials: PostgresCredentialStore {
    AccountCredentials(store: PostgresAccountRecords(connector: connector, tool: tool))
  }
  /// ``credentials``, for code that chose the backend at run time.
  public func credentialStore() -> any CredentialStoring {
    credentials
  }
}
