import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization
import TandemState

/// One database session: a connection the calling thread drives synchronously.
///
/// The store's protocols are synchronous (the file store's are system calls), so each
/// statement is sent on the client's event loop and the calling thread waits for its answer.
/// A session serves one operation at a time; advisory locks belong to a session, so two
/// holders in one process need two sessions (``PostgresConnector`` hands them out).
final class PostgresSession: Sendable {
  let connection: PostgresConnection
  let url: PostgresStoreURL
  /// The server's process id for this session: what `pg_locks` and `pg_stat_activity` name.
  let backendPID: Int32
  /// The session's `lock_timeout` in milliseconds, as last set (-1: the server's default),
  /// so that it is sent only when it changes.
  let lockTimeoutMilliseconds = Atomic<Int64>(-1)

  private static let logger = Logger(label: "tandem.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

  private init(connection: PostgresConnection, url: PostgresStoreURL, backendPID: Int32) {
    self.connection = connection
    self.url = url
    self.backendPID = backendPID
  }

  /// Opens a session to `url` as `application`, the name `pg_stat_activity` shows for it.
  static func open(url: PostgresStoreURL, password: String?, application: String) throws(StateError)
    -> PostgresSession
  {
    var configuration: PostgresConnection.Configuration
    let tls = try tlsSetting(for: url)
    if let directory = url.socketDirectory {
      configuration = PostgresConnection.Configuration(
        unixSocketPath: directory + "/.s.PGSQL.\(url.port)", username: url.user, password: password,
        database: url.database)
    } else {
      configuration = PostgresConnection.Configuration(
        host: url.host, port: url.port, username: url.user, password: password, database: url.database,
        tls: tls)
    }
    configuration.options.connectTimeout = .seconds(Int64(url.connectTimeoutSeconds))
    var parameters: [(String, String)] = [
      ("application_name", application),
      // The server probes an idle client's connection after this many seconds and ends the
      // session (releasing its locks) when the probes go unanswered: a host that vanished
      // without closing its connections holds no lock for longer than about
      // idle + interval * count seconds.
      ("tcp_keepalives_idle", String(url.keepaliveIdleSeconds)),
      ("tcp_keepalives_interval", "2"),
      ("tcp_keepalives_count", "3"),
      // Keepalive probes are sent only while nothing is waiting to be acknowledged. A host
      // that vanishes just after a statement, before acknowledging the answer, leaves data
      // unacknowledged, and then only retransmissions run: about 15 minutes under Linux's
      // default tcp_retries2, with the lock held (seen in 2 of 6 runs of
      // scripts/vanished-host). The user timeout bounds that case by the same time.
      ("tcp_user_timeout", String((url.keepaliveIdleSeconds + 2 * 3) * 1000)),
      // Commits are durable whatever the server's default: nothing is acknowledged that a
      // crash of the server could undo.
      ("synchronous_commit", "on"),
    ]
    if let schema = url.schema {
      // The schema must exist before the tables can be made in it; `CREATE SCHEMA IF NOT
      // EXISTS` on first use would need a privilege agents should not need every time.
      parameters.append(("search_path", schema))
    }
    if url.statementTimeoutMilliseconds > 0 {
      parameters.append(("statement_timeout", String(url.statementTimeoutMilliseconds)))
    }
    configuration.options.additionalStartupParameters = parameters
    let connection: PostgresConnection
    do {
      connection = try PostgresConnection.connect(
        on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger
      ).wait()
    } catch {
      throw PostgresErrors.map(error, doing: "connect", url: url)
    }
    DescriptorInheritance.closeNetworkDescriptorsOnExec()
    let session = PostgresSession(connection: connection, url: url, backendPID: 0)
    let rows = try session.query("SELECT pg_backend_pid()", doing: "connect")
    let pid = (try? rows.first?.decode(Int32.self)) ?? 0
    return PostgresSession(connection: connection, url: url, backendPID: pid)
  }

  private static func tlsSetting(for url: PostgresStoreURL) throws(StateError)
    -> PostgresConnection.Configuration.TLS
  {
    if url.tlsMode == .disable { return .disable }
    var tls = TLSConfiguration.makeClientConfiguration()
    switch url.tlsMode {
    case .disable: return .disable
    case .prefer, .require: tls.certificateVerification = .none
    case .verifyCA: tls.certificateVerification = .noHostnameVerification
    case .verifyFull: tls.certificateVerification = .fullVerification
    }
    if let path = url.rootCertificatePath, url.tlsMode == .verifyCA || url.tlsMode == .verifyFull {
      tls.trustRoots = .file(path)
    }
    do {
      let context = try NIOSSLContext(configuration: tls)
      return url.tlsMode == .prefer ? .prefer(context) : .require(context)
    } catch {
      var failure = StateError(.setupRequired, "TLS for the store could not be set up: \(error)")
      failure.fixRequired =
        "check sslrootcert in the store URL (a PEM file of trusted certificate authorities)"
      throw failure
    }
  }

  /// How long a statement that waits for nothing may go unanswered before the session is
  /// given up: a server that died without closing the connection (a host gone, a network
  /// split) must not leave the caller waiting for ever.
  static let answerDeadline: Duration = .seconds(30)

  /// Runs one statement and waits for all its rows, at most `deadline` (for a statement
  /// that waits for a lock: the lock timeout plus ``answerDeadline``); past it the session
  /// is closed and the statement reported as unanswered (nothing was committed by it).
  func query(_ query: PostgresQuery, doing: String, deadline: Duration = answerDeadline) throws(StateError)
    -> PostgresQueryResult
  {
    let future = answer(to: query)
    let expired = ExpiryFlag()
    let guardTask = connection.eventLoop.scheduleTask(in: .milliseconds(deadline.roundedMilliseconds)) {
      [connection] in
      expired.value.store(true, ordering: .relaxed)
      connection.close().whenComplete { _ in }
    }
    defer { guardTask.cancel() }
    do {
      return try future.wait()
    } catch {
      if expired.value.load(ordering: .relaxed) {
        var failure = StateError(
          .unavailable,
          "the PostgreSQL server at \(url.redacted) did not answer within \(deadline) while this command tried to "
            + "\(doing); the session was closed")
        failure.retryAfterMilliseconds = RetryJitter.around(1000)
        failure.suggestion = "retry; check that the server and the network to it are up"
        throw failure
      }
      throw PostgresErrors.map(error, doing: doing, url: url)
    }
  }

  /// Runs one statement, suspending the task while it waits; a cancelled task closes the
  /// session, which ends the statement on the server at once.
  func query(_ query: PostgresQuery, doing: String) async throws(StateError) -> PostgresQueryResult {
    do {
      return try await withTaskCancellationHandler {
        try await answer(to: query).get()
      } onCancel: {
        connection.close().whenComplete { _ in }
      }
    } catch {
      if Task.isCancelled {
        throw StateError(.cancelled, "the wait for the lock was cancelled; nothing was taken")
      }
      throw PostgresErrors.map(error, doing: doing, url: url)
    }
  }

  /// The answer to `query`, or a failure when the connection has closed.
  ///
  /// The client drops a statement written to a connection that has already closed (the
  /// server ended the session, the network dropped) without ever completing it, and a
  /// session held across a long wait (an account's lock, held during a token refresh) would
  /// then wait forever. So the statement is handed over on the connection's event loop, only
  /// while the connection is open: from there on, a closing connection fails it.
  private func answer(to query: PostgresQuery) -> EventLoopFuture<PostgresQueryResult> {
    let connection = connection
    return connection.eventLoop.flatSubmit {
      guard !connection.isClosed else { return connection.eventLoop.makeFailedFuture(SessionEnded()) }
      return connection.query(query, logger: Self.logger)
    }
  }

  /// The connection closed before the statement was answered.
  struct SessionEnded: Error, CustomStringConvertible {
    var description: String {
      "the connection was closed before the statement was answered (the server ended the session, or the "
        + "network dropped)"
    }
  }

  /// Whether the connection is still usable for another operation.
  var isOpen: Bool { !connection.isClosed }

  /// Ends the session: the server releases every lock it held.
  func close() {
    _ = try? connection.close().wait()
  }
}

extension Duration {
  /// Whole milliseconds, rounded up, at least 1.
  var roundedMilliseconds: Int64 {
    let (seconds, attoseconds) = components
    return max(1, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
  }
}

/// Whether a statement's deadline passed, set on the event loop, read by the caller.
private final class ExpiryFlag: Sendable {
  let value = Atomic<Bool>(false)
}
