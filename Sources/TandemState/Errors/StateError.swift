/// An error from the state layer, with a stable code that callers branch on.
///
/// The code is the contract; the message is for people and may change. Extra fields are
/// filled in where they apply: who holds a lock, which revision was expected, which file
/// is corrupt, when to retry.
public struct StateError: Error, Sendable, CustomStringConvertible {
  /// A stable, machine-readable error identifier, such as `CONCURRENT_MODIFICATION`.
  ///
  /// Codes are open: a tool built on the framework can define its own with
  /// `StateError.Code("MY_CODE")`.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    /// The identifier as it appears in the JSON envelope.
    public let rawValue: String

    /// Creates a code; use an upper-case snake-case identifier.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// Another process holds the lock past the timeout, or the document moved on from the
    /// expected revision. Nothing was written. See ``StateError/conflictReason``.
    public static let concurrentModification = Code("CONCURRENT_MODIFICATION")
    /// A key, an instance or another addressed thing does not exist.
    public static let notFound = Code("NOT_FOUND")
    /// A state file exists but is not a valid document. It is never overwritten.
    public static let stateCorrupt = Code("STATE_CORRUPT")
    /// A symbolic link or another unexpected file type sits where state lives.
    public static let unsafeStatePath = Code("UNSAFE_STATE_PATH")
    /// An argument is malformed: an instance id, a key, a duration.
    public static let invalidArgument = Code("INVALID_ARGUMENT")
    /// A value or a document exceeds a documented size limit.
    public static let limitExceeded = Code("LIMIT_EXCEEDED")
    /// The file system is full (`ENOSPC`, `EDQUOT`).
    public static let diskFull = Code("DISK_FULL")
    /// The file system is mounted read-only (`EROFS`).
    public static let readOnlyFileSystem = Code("READ_ONLY_FILESYSTEM")
    /// The operating system refused access (`EACCES`, `EPERM`).
    public static let permissionDenied = Code("PERMISSION_DENIED")
    /// Any other input/output failure.
    public static let ioError = Code("IO_ERROR")

    /// No such account, or no active account to use.
    public static let credentialsMissing = Code("CREDENTIALS_MISSING")
    /// The refresh token has expired: log in again.
    public static let credentialsExpired = Code("CREDENTIALS_EXPIRED")
    /// The provider refused the refresh token (revoked, rotated away, reuse detected): log
    /// in again.
    public static let refreshRevoked = Code("REFRESH_REVOKED")
    /// The provider denies this client for good (`invalid_client`, `unauthorized_client`,
    /// `access_denied`); logging in again does not help.
    public static let accessDenied = Code("ACCESS_DENIED")
    /// The token endpoint or helper could not be reached or failed temporarily.
    public static let unavailable = Code("UNAVAILABLE")
    /// The refresh did not answer within its timeout: the provider may or may not have
    /// rotated the token.
    public static let refreshTimeout = Code("REFRESH_TIMEOUT")
    /// The token endpoint or helper answered something that is not a token.
    public static let refreshFailed = Code("REFRESH_FAILED")
    /// A write was applied, but the lock file was removed or replaced while it was held, so
    /// a writer that locked the new file may have overwritten it: read the document again.
    public static let writeUnconfirmed = Code("WRITE_UNCONFIRMED")
    /// The local setup is incomplete (e.g. the client secret's environment variable is not
    /// set): nothing was sent to the provider.
    public static let setupRequired = Code("SETUP_REQUIRED")
    /// Input the command waits for (a secret on standard input) did not end in time.
    public static let inputTimeout = Code("INPUT_TIMEOUT")
    /// Input the command needs (a secret on standard input) is not there: standard input
    /// is empty or a terminal. Nothing was waited for.
    public static let inputMissing = Code("INPUT_MISSING")
    /// A store shared over the network (a database) ended a statement that ran past its
    /// time limit; the transaction was rolled back and nothing was written.
    public static let statementTimeout = Code("STATEMENT_TIMEOUT")
  }

  /// Why a ``Code/concurrentModification`` happened.
  public enum ConflictReason: String, Sendable {
    /// The lock was not free within the timeout.
    case lockTimeout = "lock_timeout"
    /// The document is no longer at the revision the caller expected.
    case revisionMismatch = "revision_mismatch"
    /// The lock file was removed or replaced (by hand) while this process held the lock, so
    /// the lock no longer excluded other writers; nothing was written.
    case lockReplaced = "lock_replaced"
  }

  /// The stable identifier.
  public var code: Code
  /// A sentence a person can act on.
  public var message: String
  /// The file or directory concerned, when there is one.
  public var path: String?
  /// For conflicts: lock timeout or revision mismatch.
  public var conflictReason: ConflictReason?
  /// For lock timeouts: who holds the lock, when it could be read.
  public var holder: LockHolder?
  /// For lock timeouts: an estimate, with jitter, of when a retry is likely to succeed.
  /// (A revision mismatch has none: the identical call cannot succeed.)
  public var retryAfterMilliseconds: Int?
  /// For revision mismatches: the revision the caller expected.
  public var expectedRevision: UInt64?
  /// For revision mismatches: the revision the document is at.
  public var currentRevision: UInt64?
  /// What the caller must change before trying again, when a retry alone will not help.
  public var fixRequired: String?
  /// A command that resolves ``fixRequired``, when one exists. Set by the tool that knows
  /// its own command names (TandemCLI sets it from ``remedy``).
  public var fixCommand: String?
  /// What fixes the error, typed, so that the tool can say it in its own commands.
  public var remedy: Remedy?
  /// The next step, phrased for an agent.
  public var suggestion: String?
  /// The failed system call, for errors that come from the operating system.
  public var systemError: SystemCallError?
  /// For ``Code/credentialsExpired``: when the account's last access token expired (or
  /// expires: after it nothing renews access until a new login), in milliseconds since the
  /// epoch; nil when none was obtained since the login.
  public var expiredAtMilliseconds: Int64?

  /// Creates an error with a code and a message; set the other fields as they apply.
  public init(_ code: Code, _ message: String, path: String? = nil) {
    self.code = code
    self.message = message
    self.path = path
  }

  public var description: String { "\(code.rawValue): \(message)" }
}

extension StateError {
  /// Classifies a failed system call on a state path.
  ///
  /// Each cause a caller can act on gets its own code: a full disk, a read-only file
  /// system, a refused permission, a planted symbolic link.
  static func system(_ error: SystemCallError, path: String, doing action: String) -> StateError {
    let code: Code
    var fix: String?
    var remedy: Remedy?
    switch error.errno {
    case ENOSPC, EDQUOT:
      code = .diskFull
      fix = "free space on the file system that holds \(path)"
    case EROFS:
      code = .readOnlyFileSystem
      fix = "use a state home on a writable file system"
      remedy = .chooseWritableHome
    case EACCES, EPERM:
      code = .permissionDenied
      fix = "make \(path) writable by this user, or use another state home"
      remedy = .chooseWritableHome
    case ELOOP:
      code = .unsafeStatePath
      fix = "remove the symbolic link at \(path); state paths must be plain files and directories"
    default:
      code = .ioError
    }
    var result = StateError(code, "cannot \(action) \(path): \(error.reason)", path: path)
    result.systemError = error
    result.fixRequired = fix
    result.remedy = remedy
    return result
  }

  /// A revision mismatch on `path`.
  ///
  /// Not retryable: the identical call, with the same expected revision, can never succeed
  /// now. So it carries no retry advice; ``fixRequired`` says to re-read, and a tool sets
  /// ``fixCommand`` to its own read command.
  package static func revisionMismatch(path: String, namespace: Namespace, expected: UInt64, current: UInt64)
    -> StateError
  {
    // An expected revision ahead of the document is a wrong number, not a lost race.
    let why =
      expected > current
      ? "revision \(expected) is ahead of the document, a revision it has not reached"
      : "another writer changed it first"
    var error = StateError(
      .concurrentModification,
      "\(path) is at revision \(current), not \(expected): \(why); nothing was written",
      path: path)
    error.conflictReason = .revisionMismatch
    error.expectedRevision = expected
    error.currentRevision = current
    error.fixRequired =
      "read the document again (it is at revision \(current)), reapply your change, and write again expecting revision \(current)"
    error.suggestion = error.fixRequired
    error.remedy = .rereadDocument(namespace, currentRevision: current)
    return error
  }
}

internal import SystemPlatform
