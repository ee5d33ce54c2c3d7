/// A process exit code, with the CLI Agent Spec's reserved table as named constants.
///
/// The table (`exit-code.schema.json` of the spec):
///
/// | code | name | meaning |
/// |---|---|---|
/// | 0 | `SUCCESS` | completed as intended |
/// | 1 | `GENERAL_ERROR` | unclassified failure |
/// | 2 | `ARG_ERROR` | invalid input, including command-line parse errors; nothing happened |
/// | 3 | `PARTIAL_FAILURE` | started but did not complete |
/// | 4 | `PRECONDITION` | a precondition failed (e.g. corrupt state, full disk); nothing happened |
/// | 5 | `NOT_FOUND` | the addressed thing does not exist |
/// | 6 | `CONFLICT` | lock timeout or revision mismatch; nothing was written |
/// | 7 | `PERMISSION_DENIED` | the operating system refused access |
/// | 8 | `AUTH_REQUIRED` | credentials missing, invalid or expired |
/// | 9 | `PAYMENT_REQUIRED` | reserved by the spec |
/// | 10 | `TIMEOUT` | an operation exceeded its time limit |
/// | 11 | `RATE_LIMITED` | an upstream rate limit was hit |
/// | 12 | `UNAVAILABLE` | a service is temporarily unavailable |
/// | 13 | `REDIRECTED` | the command moved |
public struct ExitStatus: Hashable, Sendable, CustomStringConvertible {
  /// The numeric status the process exits with.
  public let rawValue: Int32
  /// The spec's name for the code, e.g. `CONFLICT`; `COMMAND_STATUS` for a status passed
  /// through from a child process.
  public let name: String

  /// An exit code; prefer the named constants.
  public init(_ rawValue: Int32, name: String) {
    self.rawValue = rawValue
    self.name = name
  }

  public var description: String { "\(rawValue) (\(name))" }

  /// Completed as intended.
  public static let success = ExitStatus(0, name: "SUCCESS")
  /// An unclassified failure.
  public static let generalError = ExitStatus(1, name: "GENERAL_ERROR")
  /// Invalid input; nothing happened.
  public static let argumentError = ExitStatus(2, name: "ARG_ERROR")
  /// Started but did not complete.
  public static let partialFailure = ExitStatus(3, name: "PARTIAL_FAILURE")
  /// A precondition failed; nothing happened.
  public static let precondition = ExitStatus(4, name: "PRECONDITION")
  /// The addressed thing does not exist.
  public static let notFound = ExitStatus(5, name: "NOT_FOUND")
  /// A conflict (lock timeout, revision mismatch); nothing was written.
  public static let conflict = ExitStatus(6, name: "CONFLICT")
  /// Access refused; do not retry.
  public static let permissionDenied = ExitStatus(7, name: "PERMISSION_DENIED")
  /// Credentials missing, invalid or expired.
  public static let authRequired = ExitStatus(8, name: "AUTH_REQUIRED")
  /// Reserved by the spec.
  public static let paymentRequired = ExitStatus(9, name: "PAYMENT_REQUIRED")
  /// An operation ran out of time; its effect is unknown.
  public static let timeout = ExitStatus(10, name: "TIMEOUT")
  /// An upstream rate limit was hit.
  public static let rateLimited = ExitStatus(11, name: "RATE_LIMITED")
  /// A service is temporarily unavailable.
  public static let unavailable = ExitStatus(12, name: "UNAVAILABLE")
  /// The command moved.
  public static let redirected = ExitStatus(13, name: "REDIRECTED")

  /// The reserved table, in order of value.
  public static let reserved: [ExitStatus] = [
    .success, .generalError, .argumentError, .partialFailure, .precondition, .notFound, .conflict,
    .permissionDenied, .authRequired, .paymentRequired, .timeout, .rateLimited, .unavailable, .redirected,
  ]

  /// The exit status of a child process passed through unchanged (`lock run`).
  public static func commandStatus(_ status: Int32) -> ExitStatus {
    reserved.first(where: { $0.rawValue == status }).map { ExitStatus(status, name: $0.name) }
      ?? ExitStatus(status, name: "COMMAND_STATUS")
  }
}
