import Synchronization
import TandemState

/// Opens sessions to one store and keeps the idle ones for the next operation.
///
/// A command-line process usually needs one session; a process with several threads or
/// tasks gets one per operation in flight (advisory locks belong to a session, so two holders
/// must not share one). The first session of a process makes sure the tables exist.
final class PostgresConnector: Sendable {
  let url: PostgresStoreURL
  let identity: PostgresClientIdentity
  private let password: String?
  private let idle = Mutex<[PostgresSession]>([])
  private let prepared = Atomic<Bool>(false)

  init(url: PostgresStoreURL, identity: PostgresClientIdentity, password: String?) {
    self.url = url
    self.identity = identity
    self.password = password
  }

  deinit {
    for session in idle.withLock({ $0 }) { session.close() }
  }

  /// An idle session, or a new one.
  func session() throws(StateError) -> PostgresSession {
    while let session = idle.withLock({ $0.popLast() }) {
      if session.isOpen { return session }
    }
    let session = try PostgresSession.open(
      url: url, password: password, application: identity.applicationName)
    if !prepared.load(ordering: .acquiring) {
      do {
        try PostgresSchema.prepare(session)
      } catch {
        session.close()
        throw error
      }
      prepared.store(true, ordering: .releasing)
    }
    return session
  }

  /// Takes `session` back for reuse; a session in an unknown state (after an error inside a
  /// transaction, or one that holds a lock) is closed instead.
  func recycle(_ session: PostgresSession, clean: Bool) {
    guard clean, session.isOpen else {
      session.close()
      return
    }
    idle.withLock { $0.append(session) }
  }

  /// Runs `body` with a session, which is reused afterwards only if `body` returned normally.
  func withSession<Result>(_ body: (PostgresSession) throws(StateError) -> Result) throws(StateError)
    -> Result
  {
    let session = try session()
    do {
      let result = try body(session)
      recycle(session, clean: true)
      return result
    } catch {
      recycle(session, clean: false)
      throw error
    }
  }
}
