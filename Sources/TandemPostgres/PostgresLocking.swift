import PostgresNIO
import Synchronization
import TandemState

/// Taking an advisory lock with the server's own `lock_timeout`, and reading who holds one.
///
/// The wait is the server's: the session sleeps in the lock queue, woken when the lock is
/// free, and the server ends the wait with SQLSTATE 55P03 when `lock_timeout` passes. There
/// is no polling loop. A zero timeout is `pg_try_advisory_lock`: one attempt, no wait (a
/// `lock_timeout` of zero would mean "wait forever").
enum PostgresLocking {
  /// Whether the lock lasts until the end of the transaction or until it is released.
  enum Scope {
    /// `pg_advisory_xact_lock`: released by COMMIT or ROLLBACK.
    case transaction
    /// `pg_advisory_lock`: released by `pg_advisory_unlock` or the end of the session.
    case session
  }

  /// Takes `key` in `session`, waiting up to `timeout`; on a timeout, the conflict error
  /// names the holder as the server's activity view shows it.
  static func acquire(
    _ key: PostgresLockKey, scope: Scope, in session: PostgresSession, timeout: LockTimeout,
    intent: LockIntent?, path: String
  ) throws(StateError) {
    let comment = PostgresClientIdentity.comment(for: intent)
    let function = scope == .transaction ? "pg_advisory_xact_lock" : "pg_advisory_lock"
    if timeout.milliseconds == 0 {
      let rows = try session.query(
        PostgresQuery(unsafeSQL: comment + "SELECT pg_try_\(function.dropFirst(3))($1)", binds: binds(key)),
        doing: "take the lock")
      if (try? rows.first?.decode(Bool.self)) == true { return }
      throw try timeoutError(
        key, in: session, timeout: timeout, path: path, inTransaction: scope == .transaction)
    }
    try setLockTimeout(timeout, in: session)
    do {
      _ = try session.query(
        PostgresQuery(unsafeSQL: comment + "SELECT \(function)($1)", binds: binds(key)),
        doing: "take the lock", deadline: timeout.duration + PostgresSession.answerDeadline)
    } catch let error where error.conflictReason == .lockTimeout {
      throw try timeoutError(
        key, in: session, timeout: timeout, path: path, inTransaction: scope == .transaction)
    }
  }

  /// The same, suspending the task while it waits; a cancelled task stops waiting at once.
  static func acquire(
    _ key: PostgresLockKey, in session: PostgresSession, timeout: LockTimeout, intent: LockIntent?,
    path: String
  ) async throws(StateError) {
    try Task.checkCancellationAsStateError()
    if timeout.milliseconds == 0 {
      try acquire(key, scope: .session, in: session, timeout: timeout, intent: intent, path: path)
      return
    }
    try setLockTimeout(timeout, in: session)
    let comment = PostgresClientIdentity.comment(for: intent)
    do {
      _ = try await session.query(
        PostgresQuery(unsafeSQL: comment + "SELECT pg_advisory_lock($1)", binds: binds(key)),
        doing: "take the lock")
    } catch let error where error.conflictReason == .lockTimeout {
      throw try timeoutError(key, in: session, timeout: timeout, path: path, inTransaction: false)
    }
  }

  private static func setLockTimeout(_ timeout: LockTimeout, in session: PostgresSession) throws(StateError) {
    guard session.lockTimeoutMilliseconds.load(ordering: .relaxed) != timeout.milliseconds else { return }
    _ = try session.query(
      "SELECT set_config('lock_timeout', \(String(timeout.milliseconds) + "ms"), false)",
      doing: "set the lock timeout")
    session.lockTimeoutMilliseconds.store(timeout.milliseconds, ordering: .relaxed)
  }

  private static func binds(_ key: PostgresLockKey) -> PostgresBindings {
    var binds = PostgresBindings()
    binds.append(key.value)
    return binds
  }

  /// The conflict error after a timeout. In a transaction the failed wait aborted it: it is
  /// rolled back first, so that the session can ask who holds the lock.
  private static func timeoutError(
    _ key: PostgresLockKey, in session: PostgresSession, timeout: LockTimeout, path: String,
    inTransaction: Bool
  ) throws(StateError) -> StateError {
    if inTransaction { _ = try session.query("ROLLBACK", doing: "end the transaction") }
    let status = try status(key, in: session, path: path)
    return StateError.lockTimeout(
      path: path, holder: status.holder, timeout: timeout, meanHoldMicroseconds: nil)
  }

  /// Who holds `key`, from `pg_locks` and `pg_stat_activity`.
  static func status(_ key: PostgresLockKey, in session: PostgresSession, path: String) throws(StateError)
    -> LockStatus
  {
    // The time a holder took the lock: for a session idle since (a `lock run`), when it went
    // idle, which is when its lock statement returned; inside a transaction, when the
    // transaction began (it takes the lock first). The server's clock on both sides, so that
    // the holder's age does not depend on the clocks of the hosts agreeing.
    let rows = try session.query(
      """
      SELECT a.application_name, coalesce(a.query, ''),
        (extract(epoch FROM clock_timestamp() - coalesce(
          CASE WHEN a.state = 'idle' THEN a.state_change END, a.xact_start, a.query_start, clock_timestamp()))
          * 1000)::bigint
      FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid::bigint = \(key.high) AND l.objid::bigint = \(key.low)
      LIMIT 1
      """, doing: "read who holds the lock")
    guard let row = rows.first,
      let (application, query, heldMilliseconds) = try? row.decode((String, String, Int64).self)
    else {
      return LockStatus(path: path, isHeld: false, holder: nil, typicalHoldMicroseconds: 0)
    }
    let acquired = SystemClock.wallMilliseconds() - max(0, heldMilliseconds)
    let holder = PostgresClientIdentity.holder(
      applicationName: application, query: query, acquiredAtMilliseconds: acquired)
    return LockStatus(path: path, isHeld: true, holder: holder, typicalHoldMicroseconds: 0)
  }
}

extension Task where Success == Never, Failure == Never {
  static func checkCancellationAsStateError() throws(StateError) {
    if Task.isCancelled {
      throw StateError(.cancelled, "the wait for the lock was cancelled; nothing was taken")
    }
  }
}
