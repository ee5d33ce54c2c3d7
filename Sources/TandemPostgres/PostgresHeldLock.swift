import PostgresNIO
import Synchronization
public import TandemState

/// A lock held by a database session of its own: released by ``release()``, or by the
/// server when the session ends.
///
/// The lock lives with the session, not with a process tree: when this process (or its
/// host, or the network) dies, the server ends the session and the lock is free. A dead
/// process's connection is closed by its kernel, and the server sees that at once; a host
/// that vanishes without closing it is found by TCP keepalive probes (or, when it left an
/// answer unacknowledged, by the session's TCP user timeout), after about
/// `keepalives_idle` + 2 s × 3 (docs/postgres.md has the measurements).
public final class PostgresHeldLock: HeldStateLock {
  public let waited: Duration
  /// The document or named lock held, as messages name it.
  public let path: String
  private let session: PostgresSession
  private let connector: PostgresConnector
  private let released = Atomic<Bool>(false)

  private init(session: PostgresSession, connector: PostgresConnector, waited: Duration, path: String) {
    self.session = session
    self.connector = connector
    self.waited = waited
    self.path = path
  }

  deinit { release() }

  static func acquire(
    _ key: PostgresLockKey, connector: PostgresConnector, timeout: LockTimeout, intent: LockIntent,
    path: String
  ) throws(StateError) -> PostgresHeldLock {
    let session = try connector.session()
    let started = ContinuousClock.now
    do {
      try PostgresLocking.acquire(
        key, scope: .session, in: session, timeout: timeout, intent: intent, path: path)
    } catch {
      connector.recycle(session, clean: error.conflictReason == .lockTimeout)
      throw error
    }
    return PostgresHeldLock(
      session: session, connector: connector, waited: ContinuousClock.now - started, path: path)
  }

  static func acquire(
    _ key: PostgresLockKey, connector: PostgresConnector, timeout: LockTimeout, intent: LockIntent,
    path: String
  ) async throws(StateError) -> PostgresHeldLock {
    let session = try connector.session()
    let started = ContinuousClock.now
    do {
      try await PostgresLocking.acquire(key, in: session, timeout: timeout, intent: intent, path: path)
    } catch {
      connector.recycle(session, clean: error.conflictReason == .lockTimeout)
      throw error
    }
    return PostgresHeldLock(
      session: session, connector: connector, waited: ContinuousClock.now - started, path: path)
  }

  /// Ends the session, which releases the lock (and any other it held) on the server.
  public func release() {
    guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
    session.close()
  }

  /// The server's process id of the session that holds the lock.
  public var sessionProcessID: Int32 { session.backendPID }
}

/// A named lock shared by every host that uses the store (`lock run --name`).
public struct PostgresNamedLock: NamedStateLock {
  public let name: String
  let key: PostgresLockKey
  let connector: PostgresConnector
  let path: String

  public func acquire(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> PostgresHeldLock {
    try PostgresHeldLock.acquire(key, connector: connector, timeout: timeout, intent: intent, path: path)
  }

  public func acquire(timeout: LockTimeout, intent: LockIntent) async throws(StateError) -> PostgresHeldLock {
    try await PostgresHeldLock.acquire(
      key, connector: connector, timeout: timeout, intent: intent, path: path)
  }

  public func status() throws(StateError) -> LockStatus {
    try connector.withSession { session throws(StateError) in
      try PostgresLocking.status(key, in: session, path: path)
    }
  }
}
