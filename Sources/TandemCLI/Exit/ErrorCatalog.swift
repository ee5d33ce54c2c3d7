public import TandemState

/// How each error code is reported: its exit code, whether a retry may help, and how to
/// back off. One table, documented in the README as it is here.
///
/// | code | exit | retryable | strategy |
/// |---|---|---|---|
/// | `CONCURRENT_MODIFICATION`, reason `lock_timeout` | 6 | yes | exponential back-off |
/// | `CONCURRENT_MODIFICATION`, reason `revision_mismatch` | 6 | no | |
/// | `CONCURRENT_MODIFICATION`, reason `lock_replaced` | 6 | yes | immediate |
/// | `WRITE_UNCONFIRMED` | 6 | no | |
/// | `INVALID_ARGUMENT`, `LIMIT_EXCEEDED`, `INPUT_MISSING` | 2 | no | |
/// | `STATE_CORRUPT`, `UNSAFE_STATE_PATH`, `DISK_FULL`, `READ_ONLY_FILESYSTEM`, `SETUP_REQUIRED` | 4 | no | |
/// | `NOT_FOUND` | 5 | no | |
/// | `PERMISSION_DENIED`, `ACCESS_DENIED` | 7 | no | |
/// | `CREDENTIALS_MISSING`, `CREDENTIALS_EXPIRED`, `REFRESH_REVOKED` | 8 | no | |
/// | `REFRESH_TIMEOUT`, `INPUT_TIMEOUT` | 10 | no | |
/// | `STATEMENT_TIMEOUT` | 10 | yes | exponential back-off |
/// | `UNAVAILABLE` | 12 | yes | exponential back-off |
/// | `CANCELLED` (a task's wait cancelled; by a signal: `INTERRUPTED`, 128 + signal) | 1 | yes | exponential back-off |
/// | `IO_ERROR`, `REFRESH_FAILED`, `INTERNAL_ERROR` | 1 | no | |
///
/// A lock timeout departs from the spec's table, which lists conflicts as not retryable:
/// nothing was written and the lock will be free again, so the identical call may succeed.
/// A revision mismatch is not retryable, by the spec's definition ("re-running the
/// identical invocation unchanged may succeed"): the same `--if-revision N` fails for ever
/// once the document has moved on. The caller must re-read first (`fix_required`,
/// `fix_command`).
public enum ErrorCatalog {
  /// How one code is reported.
  public struct Entry: Sendable {
    /// The process exit code.
    public var exitCode: ExitStatus
    /// Whether running the same command again may succeed.
    public var retryable: Bool
    /// What the failed command may have changed, for the manifest's exit codes.
    public var sideEffects: SideEffects = .none
    /// For retryable codes: `immediate`, `linear_backoff` or `exponential_backoff`.
    public var retryStrategy: String? { retryable ? "exponential_backoff" : nil }
  }

  /// How much a failed command may have changed (the spec's `side_effects`).
  public enum SideEffects: String, Sendable, Comparable {
    /// Nothing was written.
    case none
    /// Some writes may have happened, or a write may have landed unconfirmed.
    case partial
    /// Everything was written (e.g. the result could not be printed afterwards).
    case complete

    public static func < (lhs: SideEffects, rhs: SideEffects) -> Bool {
      let order: [SideEffects] = [.none, .partial, .complete]
      return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
  }

  /// The entry for one error: by its code, except that a revision mismatch, unlike a lock
  /// timeout, is not retryable.
  public static func entry(for error: StateError) -> Entry {
    var entry = entry(for: error.code)
    if error.conflictReason == .revisionMismatch { entry.retryable = false }
    return entry
  }

  /// The entry for `code`; unknown codes are general errors, not retryable. A
  /// `CONCURRENT_MODIFICATION` is taken as a lock timeout; see ``entry(for:)-(StateError)``.
  public static func entry(for code: StateError.Code) -> Entry {
    switch code {
    case .concurrentModification: return Entry(exitCode: .conflict, retryable: true)
    // Applied, but possibly overwritten by a writer that locked a replaced lock file.
    case .writeUnconfirmed: return Entry(exitCode: .conflict, retryable: false, sideEffects: .partial)
    case .invalidArgument, .limitExceeded, .inputMissing:
      return Entry(exitCode: .argumentError, retryable: false)
    case .stateCorrupt, .unsafeStatePath, .diskFull, .readOnlyFileSystem, .setupRequired:
      return Entry(exitCode: .precondition, retryable: false)
    case .notFound: return Entry(exitCode: .notFound, retryable: false)
    case .permissionDenied, .accessDenied: return Entry(exitCode: .permissionDenied, retryable: false)
    case .credentialsMissing, .credentialsExpired, .refreshRevoked:
      return Entry(exitCode: .authRequired, retryable: false)
    case .unavailable: return Entry(exitCode: .unavailable, retryable: true)
    // The provider may have rotated the token before the answer was lost.
    case .refreshTimeout: return Entry(exitCode: .timeout, retryable: false, sideEffects: .partial)
    case .inputTimeout: return Entry(exitCode: .timeout, retryable: false)
    // Rolled back by the server: nothing was written, and the next try may be quicker.
    case .statementTimeout: return Entry(exitCode: .timeout, retryable: true)
    // Also the report of a result that could not be printed after its change was saved.
    case .ioError: return Entry(exitCode: .generalError, retryable: false, sideEffects: .partial)
    // A cancelled wait took nothing: the same call, not cancelled, may succeed.
    case .cancelled: return Entry(exitCode: .generalError, retryable: true)
    default: return Entry(exitCode: .generalError, retryable: false)
    }
  }
}
