import PostgresNIO
import Synchronization
import TandemState

/// An account's lock, held by a database session of its own: a session-level advisory lock
/// (`pg_advisory_lock`), released by ``release()`` or by the server when the session ends.
///
/// Everything done under the lock (reading the record again, the in-flight mark, the new
/// tokens) goes through this same session. A session keeps its advisory locks until it ends,
/// so a statement that succeeds in it ran while the lock was held; once the session is gone
/// (the server restarted, the session was terminated, the network dropped), the statement
/// fails instead of writing while another host may hold the lock.
///
/// A session lock rather than a transaction's: the provider's answer is awaited with the
/// lock held, and an open transaction that long would hold back vacuum and run into
/// `idle_in_transaction_session_timeout`; an idle session holding a lock does neither.
public final class PostgresAccountLock: Sendable {
  /// The account.
  public let account: String
  let session: PostgresSession
  let key: PostgresLockKey
  /// The statements' comment: the holder's instance id and command, for other hosts' errors.
  let comment: String
  private let connector: PostgresConnector
  private let released = Atomic<Bool>(false)

  init(
    account: String, session: PostgresSession, key: PostgresLockKey, comment: String,
    connector: PostgresConnector
  ) {
    self.account = account
    self.session = session
    self.key = key
    self.comment = comment
    self.connector = connector
  }

  deinit { release() }

  /// The server's process id of the session that holds the lock.
  public var sessionProcessID: Int32 { session.backendPID }

  /// Lets the lock go: `pg_advisory_unlock`, and the session goes back to the pool; a
  /// session that cannot say it released the lock is closed, which releases it on the
  /// server. Safe to call more than once.
  public func release() {
    guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
    var binds = PostgresBindings()
    binds.append(key.value)
    let unlocked =
      (try? session.query(
        PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock($1)", binds: binds), doing: "release the lock"))
      .flatMap { try? $0.first?.decode(Bool.self) } == true
    connector.recycle(session, clean: unlocked)
  }
}
