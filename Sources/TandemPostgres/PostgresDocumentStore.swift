import PostgresNIO
public import TandemState

#if canImport(Glibc)
  import Glibc
#endif

/// A namespace's document in PostgreSQL, with the guarantees of ``RevisionedDocumentStore``.
///
/// How each guarantee maps onto the database (docs/postgres.md argues each):
/// - **One writer at a time**: a transaction takes the document's advisory lock
///   (`pg_advisory_xact_lock`) with the server's `lock_timeout`, and keeps it until COMMIT
///   or ROLLBACK; `lock run` holds the same lock for a whole session.
/// - **No lost update, and a stale write refused**: the read and the write are in that one
///   transaction, and the write is `INSERT ... ON CONFLICT DO UPDATE ... WHERE revision = n`,
///   so even a writer that somehow went around the lock cannot replace a revision it did not
///   read.
/// - **Revisions never repeat**: a document's row is never deleted; a removed or repaired
///   document is an empty body at the next revision.
/// - **Nothing acknowledged that is not committed**: the session commits with
///   `synchronous_commit = on`; when the connection drops during COMMIT, the writer asks a
///   new session whether its commit token is in the row before it reports anything.
public struct PostgresDocumentStore: RevisionedDocumentStore {
  public let namespace: Namespace
  public let path: String
  let connector: PostgresConnector
  let tool: String
  let name: String
  let namespaceKey: String
  let lockKey: PostgresLockKey
  let format: String

  init(connector: PostgresConnector, tool: ToolIdentity, namespace: Namespace, name: String) {
    self.connector = connector
    self.tool = tool.name
    self.name = name
    self.namespace = namespace
    switch namespace {
    case .shared: namespaceKey = "shared"
    case .instance(let id): namespaceKey = "instances/" + id.rawValue
    }
    lockKey = .document(tool: tool.name, namespace: namespaceKey, name: name)
    format = tool.documentFormat(ConfigDocument.formatKind, version: ConfigDocument.formatVersion)
    path = connector.url.location + "#" + tool.name + "/" + namespaceKey + "/" + name
  }

  public func read() throws(StateError) -> ConfigDocument {
    try connector.withSession { session throws(StateError) in try current(in: session, comment: "") }
  }

  @discardableResult
  public func update<Result>(
    timeout: LockTimeout, ifRevision expectedRevision: UInt64?, intent: LockIntent?,
    _ body: (inout ConfigDocument) throws -> Result
  ) throws -> ConfigUpdate<Result> {
    try ConfigStore.checkExpected(expectedRevision)
    let intent = intent ?? LockIntent(instanceID: nil, command: "config update")
    let comment = PostgresClientIdentity.comment(for: intent)
    let session = try connector.session()
    var clean = false
    defer { connector.recycle(session, clean: clean) }
    let started = ContinuousClock.now
    _ = try session.query("BEGIN", doing: "start a transaction")
    try PostgresLocking.acquire(
      lockKey, scope: .transaction, in: session, timeout: timeout, intent: intent, path: path)
    let waited = ContinuousClock.now - started
    let current = try self.current(in: session, comment: comment)
    if let expectedRevision, expectedRevision != current.revision {
      _ = try session.query("ROLLBACK", doing: "end the transaction")
      clean = true
      throw StateError.revisionMismatch(
        path: path, namespace: namespace, expected: expectedRevision, current: current.revision)
    }
    var changed = current
    let result: Result
    let committed: ConfigDocument
    let changedEntries: [ConfigDocument.Entry]
    let bytes: [UInt8]
    do {
      result = try body(&changed)
      guard current.revision < UInt64(Int64.max) else {
        var failure = StateError(
          .limitExceeded, "\(path) is at the last revision there is (\(Int64.max)); nothing was written",
          path: path)
        failure.fixRequired = "repair the document: it starts again, empty"
        failure.remedy = .repairDocument(namespace, fileName: name)
        throw failure
      }
      committed = changed.committed(
        at: current.revision + 1, updatedAtMilliseconds: SystemClock.wallMilliseconds(),
        writer: intent.instanceID)
      changedEntries = try committed.validateChanges(since: current, path: path)
      bytes = committed.encode(format: format)
      guard bytes.count <= StateLimits.maximumDocumentBytes else {
        throw StateError(
          .limitExceeded,
          "the document would be \(bytes.count) bytes; the limit is \(StateLimits.maximumDocumentBytes) bytes",
          path: path)
      }
    } catch {
      _ = try session.query("ROLLBACK", doing: "end the transaction")
      clean = true
      throw error
    }
    let token = Self.commitToken()
    let text = String(decoding: bytes, as: UTF8.self)
    let written = try session.query(
      PostgresQuery(
        unsafeSQL: comment
          + """
          INSERT INTO tandem_documents (tool, namespace, name, revision, body, commit_token)
          VALUES ($1, $2, $3, $4, $5, $6)
          ON CONFLICT (tool, namespace, name) DO UPDATE
            SET revision = EXCLUDED.revision, body = EXCLUDED.body, commit_token = EXCLUDED.commit_token,
              updated_at = now()
            WHERE tandem_documents.revision = $7
          RETURNING txid_current()
          """,
        binds: binds(Int64(committed.revision), text, token, Int64(current.revision))),
      doing: "write the document")
    guard written.metadata.rows == 1 else {
      _ = try session.query("ROLLBACK", doing: "end the transaction")
      clean = true
      throw StateError.revisionMismatch(
        path: path, namespace: namespace, expected: current.revision, current: current.revision + 1)
    }
    // This transaction's id: if the answer to COMMIT is lost, the server can still say
    // whether it committed (txid_status), whatever other writers did to the row since.
    let transaction = try? written.first?.decode(Int64.self)
    do throws(StateError) {
      _ = try session.query("COMMIT", doing: "commit the write")
    } catch {
      guard error.code == .unavailable else { throw error }
      // The connection dropped during COMMIT: the server may have committed or not. Ask.
      try confirm(transaction: transaction, token: token, revision: committed.revision, after: error)
    }
    clean = true
    return ConfigUpdate(
      result: result, document: committed, previousRevision: current.revision,
      changed: !changedEntries.isEmpty || committed.count != current.count, waited: waited)
  }

  /// After a COMMIT whose answer was lost: returns if the write committed, throws "not
  /// written" if it certainly did not, and "unknown" if no session can tell.
  ///
  /// The row decides: it holds this write's token (committed), or a revision below the
  /// write's (not committed: revisions only grow). A row already past the write's revision
  /// with another token proves nothing, since other writers may have written over it by the
  /// time the server answers again: that is "unknown". While the server still has the
  /// transaction in progress (the connection dropped but its session is finishing the
  /// COMMIT; `txid_status`), the row is not read yet. (`txid_status` alone cannot decide:
  /// after a crash, an id whose transaction never reached the log can be given again to
  /// another transaction.)
  private func confirm(transaction: Int64?, token: String, revision: UInt64, after error: StateError)
    throws(StateError)
  {
    var lastError = error
    // Bounded: about three seconds for a restarting server to accept connections again.
    for attempt in 0..<15 {
      if attempt > 0 { usleep(200_000) }
      do throws(StateError) {
        let verdict = try connector.withSession { session throws(StateError) -> Bool? in
          if let transaction {
            var binds = PostgresBindings()
            binds.append(transaction)
            do throws(StateError) {
              let rows = try session.query(
                PostgresQuery(unsafeSQL: "SELECT txid_status($1)", binds: binds), doing: "check the write")
              if (try? rows.first?.decode(String?.self)) == "in progress" {
                throw StateError(.unavailable, "the server is still committing the transaction")
              }
            } catch  where error.message.contains("is in the future") {
              // Crash recovery found no trace of the transaction, not even its id.
            }
          }
          let rows = try session.query(
            PostgresQuery(
              unsafeSQL:
                "SELECT revision, commit_token FROM tandem_documents WHERE tool = $1 AND namespace = $2 AND name = $3",
              binds: binds()), doing: "check the write")
          guard let (found, foundToken) = try? rows.first?.decode((Int64, String).self) else {
            return false  // no row: the write, its first revision, did not commit
          }
          if foundToken == token { return true }
          if found >= 0 && UInt64(found) < revision { return false }
          return nil
        }
        switch verdict {
        case true?:
          return
        case false?:
          var failure = StateError(
            .unavailable,
            "the connection to \(connector.url.redacted) dropped while revision \(revision) of \(path) was being "
              + "committed; the server did not commit it (checked); nothing was written")
          failure.retryAfterMilliseconds = RetryJitter.around(500)
          failure.suggestion = "run the same command again"
          throw failure
        case nil:
          lastError = StateError(
            .unavailable, "other writers have written the document past revision \(revision) since")
          break
        }
        break
      } catch {
        guard error.code == .unavailable && !error.message.contains("(checked)") else { throw error }
        lastError = error
      }
    }
    var failure = StateError(
      .unavailable,
      "the connection to \(connector.url.redacted) dropped while revision \(revision) of \(path) was being "
        + "committed, and the server could not be asked since (\(lastError.message)); the write may or may not "
        + "have been committed")
    failure.retryAfterMilliseconds = RetryJitter.around(1000)
    failure.suggestion =
      "read the document when the server is back: it holds the change or it does not; then write again"
    throw failure
  }

  public func repair(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> RepairOutcome {
    let session = try connector.session()
    var clean = false
    defer { connector.recycle(session, clean: clean) }
    _ = try session.query("BEGIN", doing: "start a transaction")
    try PostgresLocking.acquire(
      lockKey, scope: .transaction, in: session, timeout: timeout, intent: intent, path: path)
    let rows = try session.query(
      PostgresQuery(
        unsafeSQL:
          "SELECT revision, body FROM tandem_documents WHERE tool = $1 AND namespace = $2 AND name = $3",
        binds: binds()), doing: "read the document")
    var reason: String?
    var revision: Int64 = 0
    if let row = rows.first, let (found, body) = try? row.decode((Int64, String).self) {
      revision = found
      if found == Int64.max {
        reason = "it is at the last revision there is"
      } else if case .failure(let failure) = decode(body, revision: found) {
        reason = failure.reason
      }
    }
    guard let reason else {
      _ = try session.query("ROLLBACK", doing: "end the transaction")
      clean = true
      return RepairOutcome(path: path, movedTo: nil, reason: nil)
    }
    _ = try session.query(
      PostgresQuery(
        unsafeSQL: """
          INSERT INTO tandem_documents_aside (tool, namespace, name, revision, body, reason)
          SELECT tool, namespace, name, revision, body, $4 FROM tandem_documents
          WHERE tool = $1 AND namespace = $2 AND name = $3
          ON CONFLICT DO NOTHING
          """, binds: binds(reason)), doing: "move the document aside")
    // The next revision, or 1 after the last one there is: the only case where a revision
    // starts again, as the file store's repair of an exhausted document does.
    let next = revision == Int64.max ? 1 : revision + 1
    _ = try session.query(
      PostgresQuery(
        unsafeSQL: """
          UPDATE tandem_documents SET revision = $4, body = '', commit_token = '', updated_at = now()
          WHERE tool = $1 AND namespace = $2 AND name = $3
          """, binds: binds(next)), doing: "repair the document")
    _ = try session.query("COMMIT", doing: "commit the repair")
    clean = true
    return RepairOutcome(
      path: path,
      movedTo: connector.url.location + "#tandem_documents_aside/\(tool)/\(namespaceKey)/\(name)@\(revision)",
      reason: reason)
  }

  public func lockStatus() throws(StateError) -> LockStatus {
    try connector.withSession { session throws(StateError) in
      try PostgresLocking.status(lockKey, in: session, path: path)
    }
  }

  /// Holds the document's lock until the returned lock is released or this process ends:
  /// every write to the document waits meanwhile (`lock run`).
  public func acquireLock(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> PostgresHeldLock {
    try PostgresHeldLock.acquire(lockKey, connector: connector, timeout: timeout, intent: intent, path: path)
  }

  // MARK: - Dry runs

  /// What ``update(timeout:ifRevision:intent:_:)`` would start from now, taking no lock and
  /// writing nothing: the row's revision is the highest the document had (rows are never
  /// deleted), so a write now gets the one after it; the update's refusals are the same.
  public func previewUpdate(ifRevision expectedRevision: UInt64?) throws(StateError) -> UpdatePreview {
    try ConfigStore.checkExpected(expectedRevision)
    let current = try read()
    if let expectedRevision, expectedRevision != current.revision {
      throw StateError.revisionMismatch(
        path: path, namespace: namespace, expected: expectedRevision, current: current.revision)
    }
    guard current.revision < UInt64(Int64.max) else {
      var failure = StateError(
        .limitExceeded, "\(path) is at the last revision there is (\(Int64.max)); nothing was written",
        path: path)
      failure.fixRequired = "repair the document: it starts again, empty"
      failure.remedy = .repairDocument(namespace, fileName: name)
      throw failure
    }
    return UpdatePreview(document: current, nextRevision: current.revision + 1)
  }

  /// What ``repair(timeout:intent:)`` would do now, taking no lock and changing nothing: the
  /// same reasons, and the same place aside.
  public func previewRepair() throws(StateError) -> RepairOutcome {
    let found = try connector.withSession { session throws(StateError) -> (Int64, String)? in
      let rows = try session.query(
        PostgresQuery(
          unsafeSQL:
            "SELECT revision, body FROM tandem_documents WHERE tool = $1 AND namespace = $2 AND name = $3",
          binds: binds()), doing: "read the document")
      return rows.first.flatMap { try? $0.decode((Int64, String).self) }
    }
    guard let (revision, body) = found else { return RepairOutcome(path: path, movedTo: nil, reason: nil) }
    var reason: String?
    if revision == Int64.max {
      reason = "it is at the last revision there is"
    } else if case .failure(let failure) = decode(body, revision: revision) {
      reason = failure.reason
    }
    guard let reason else { return RepairOutcome(path: path, movedTo: nil, reason: nil) }
    return RepairOutcome(
      path: path,
      movedTo: connector.url.location + "#tandem_documents_aside/\(tool)/\(namespaceKey)/\(name)@\(revision)",
      reason: reason)
  }

  // MARK: - Reading

  /// The document as the session sees it now (inside a transaction, under its lock).
  private func current(in session: PostgresSession, comment: String) throws(StateError) -> ConfigDocument {
    let rows = try session.query(
      PostgresQuery(
        unsafeSQL: comment
          + "SELECT revision, body FROM tandem_documents WHERE tool = $1 AND namespace = $2 AND name = $3",
        binds: binds()), doing: "read the document")
    guard let row = rows.first else { return ConfigDocument() }
    guard let (revision, body) = try? row.decode((Int64, String).self), revision > 0 else {
      throw corrupt("its row cannot be read")
    }
    switch decode(body, revision: revision) {
    case .success(let document): return document
    case .failure(let failure): throw corrupt(failure.reason)
    }
  }

  private func decode(_ body: String, revision: Int64)
    -> Swift.Result<ConfigDocument, ConfigDocument.DecodingFailure>
  {
    if body.isEmpty {
      return .success(ConfigDocument().committed(at: UInt64(revision), updatedAtMilliseconds: nil))
    }
    do {
      let document = try ConfigDocument.decode(Array(body.utf8), format: format)
      guard document.revision == UInt64(revision) else {
        return .failure(
          ConfigDocument.DecodingFailure(
            "the body says revision \(document.revision), the row \(revision)"))
      }
      return .success(document)
    } catch {
      return .failure(error)
    }
  }

  private func corrupt(_ reason: String) -> StateError {
    var failure = StateError(
      .stateCorrupt, "\(path) is corrupt: \(reason); it was left untouched", path: path)
    failure.fixRequired =
      "repair the document (it is kept aside in tandem_documents_aside) or restore it from a backup"
    failure.remedy = .repairDocument(namespace, fileName: name)
    return failure
  }

  private func binds(_ extra: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
    var binds = PostgresBindings()
    binds.append(tool)
    binds.append(namespaceKey)
    binds.append(name)
    for value in extra { binds.append(value) }
    return binds
  }

  /// 128 random bits, as hex: what only this transaction writes into the row.
  static func commitToken() -> String {
    String(UInt64.random(in: .min ... .max), radix: 16) + String(UInt64.random(in: .min ... .max), radix: 16)
  }
}
