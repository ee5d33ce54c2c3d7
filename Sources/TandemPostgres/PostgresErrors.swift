import PostgresNIO
import TandemState

/// PostgreSQL's errors in the state layer's codes.
///
/// What the caller can act on decides the code: a server that cannot be reached or is
/// restarting is ``StateError/Code/unavailable`` (retry later); a wrong password, database
/// or role is ``StateError/Code/setupRequired`` (fix the URL or the password; retrying
/// does not help); a lock that stayed busy is a conflict, as on the file store.
enum PostgresErrors {
  /// SQLSTATE of a lock that stayed busy past `lock_timeout`.
  static let lockNotAvailable = "55P03"
  /// SQLSTATE of a statement cancelled (by `statement_timeout` or a cancel request).
  static let queryCanceled = "57014"

  /// The SQLSTATE of a server error, if `error` is one.
  static func sqlState(_ error: any Error) -> String? {
    (error as? PSQLError)?.serverInfo?[.sqlState]
  }

  /// `error`, raised while `doing` something with the store at `url`, as a state error.
  static func map(_ error: any Error, doing: String, url: PostgresStoreURL) -> StateError {
    if let error = error as? StateError { return error }
    let place = url.redacted
    guard let psql = error as? PSQLError else {
      return unavailable("could not \(doing) at \(place): \(String(describing: error))", url: url)
    }
    if let info = psql.serverInfo, let state = info[.sqlState] {
      let serverMessage = info[.message] ?? "error \(state)"
      switch state {
      case "28P01", "28000":
        var failure = StateError(
          .setupRequired,
          "the PostgreSQL server at \(place) refused the login of user \"\(url.user)\": \(serverMessage)")
        failure.fixRequired =
          "check the user in the store URL and the password in PGPASSWORD or the password file "
          + "(PGPASSFILE, else ~/.pgpass, a line host:port:database:user:password)"
        return failure
      case "3D000":
        var failure = StateError(
          .setupRequired, "the PostgreSQL server at \(place) has no database \"\(url.database)\"")
        failure.fixRequired =
          "create it (createdb \(url.database)) or name an existing database in the store URL"
        return failure
      case "3F000":
        var failure = StateError(
          .setupRequired,
          "the database \"\(url.database)\" at \(place) has no schema \"\(url.schema ?? "public")\"")
        failure.fixRequired =
          "create it once (CREATE SCHEMA \(url.schema ?? "public")) or name another in the store URL"
        return failure
      case "42501":
        var failure = StateError(
          .permissionDenied,
          "user \"\(url.user)\" may not \(doing) in database \"\(url.database)\" at \(place): \(serverMessage)"
        )
        failure.fixRequired =
          "grant the user CREATE on the database (for the first start) and use of the tandem_ tables"
        return failure
      case lockNotAvailable:
        // The caller turns this into the full lock-timeout error, with the holder.
        var failure = StateError(.concurrentModification, "the lock stayed busy past the lock timeout")
        failure.conflictReason = .lockTimeout
        return failure
      case queryCanceled:
        var failure = StateError(
          .statementTimeout,
          "a statement to \(doing) ran past the store's statement_timeout and was cancelled at \(place); "
            + "its transaction was rolled back and nothing was written")
        failure.retryAfterMilliseconds = 1000
        failure.suggestion =
          "retry; if it keeps happening, raise statement_timeout in the store URL or look for a long transaction"
        return failure
      case "40001", "40P01":
        var failure = StateError(
          .concurrentModification,
          "another writer's transaction conflicted with this one at \(place); nothing was written")
        failure.retryAfterMilliseconds = 50
        failure.suggestion = "run the same command again"
        return failure
      case "53300", "53400", "57P01", "57P02", "57P03", "58000", "58030":
        return unavailable("the PostgreSQL server at \(place) cannot serve now: \(serverMessage)", url: url)
      default:
        if state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57") {
          return unavailable("the PostgreSQL server at \(place) failed: \(serverMessage)", url: url)
        }
        return StateError(
          .ioError, "PostgreSQL at \(place) refused to \(doing): \(serverMessage) (SQLSTATE \(state))")
      }
    }
    switch psql.code {
    case .sslUnsupported:
      var failure = StateError(
        .setupRequired, "the PostgreSQL server at \(place) does not offer TLS, and the store URL requires it")
      failure.fixRequired = "enable ssl on the server, or set sslmode=prefer or disable in the store URL"
      return failure
    case .authMechanismRequiresPassword:
      var failure = StateError(
        .setupRequired,
        "the PostgreSQL server at \(place) asks user \"\(url.user)\" for a password, and none was found")
      failure.fixRequired =
        "set PGPASSWORD, or add a line host:port:database:user:password to the password file "
        + "(PGPASSFILE, else ~/.pgpass, mode 0600)"
      return failure
    case .unsupportedAuthMechanism:
      var failure = StateError(
        .setupRequired,
        "the PostgreSQL server at \(place) asks for a login method this client does not support")
      failure.fixRequired = "use password, md5 or scram-sha-256 authentication for this user in pg_hba.conf"
      return failure
    default:
      let cause = psql.underlying.map { String(describing: $0) } ?? psql.code.description
      return unavailable("could not \(doing) at \(place): \(cause)", url: url)
    }
  }

  /// The server could not be reached or dropped the connection: retryable, with a back-off hint.
  static func unavailable(_ message: String, url: PostgresStoreURL) -> StateError {
    var failure = StateError(.unavailable, message)
    failure.retryAfterMilliseconds = RetryJitter.around(1000)
    failure.suggestion =
      "retry after retry_after_ms; check that the PostgreSQL server at \(url.redacted) is up"
    return failure
  }
}

/// A retry estimate spread over 50% to 150%, so that many refused agents do not all return
/// at the same moment.
enum RetryJitter {
  static func around(_ milliseconds: Int) -> Int {
    max(1, Int((Double(milliseconds) * Double.random(in: 0.5...1.5)).rounded()))
  }
}
