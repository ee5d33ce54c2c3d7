public import TandemState

/// A failed command as the envelope reports it: a stable code, an exit code, a message and
/// the hints an agent needs to decide what to do next.
///
/// Throw one from a command for failures of your own; errors from `TandemState` are
/// converted with ``init(_:)``.
public struct CommandFailure: Error, Sendable, CustomStringConvertible {
  /// The stable, machine-readable identifier.
  public var code: String
  /// The process exit code.
  public var exitCode: ExitStatus
  /// A sentence a person can act on.
  public var message: String
  /// Whether running the identical command again may succeed (nothing was changed).
  public var retryable: Bool
  /// How long to wait before retrying, when known.
  public var retryAfterMilliseconds: Int?
  /// `immediate`, `linear_backoff` or `exponential_backoff`.
  public var retryStrategy: String?
  /// What the caller must change first, for failures a retry alone does not fix.
  public var fixRequired: String?
  /// A command that fixes it, runnable as it is.
  public var fixCommand: String?
  /// The next step, phrased for an agent.
  public var suggestion: String?
  /// Further fields of the error object, in order (e.g. `reason`, `holder`, `path`).
  public var details: [(String, JSONValue)]
  /// Whether text mode leaves the error line out and says it all with the exit status: a
  /// command run on the caller's behalf that returned non-zero, as `grep -q` and
  /// `git diff --quiet` do to answer. JSON mode reports the failure as always.
  public var isQuietInText = false

  /// A failure with a code, an exit code and a message.
  public init(code: String, exitCode: ExitStatus, message: String, retryable: Bool = false) {
    self.code = code
    self.exitCode = exitCode
    self.message = message
    self.retryable = retryable
    self.details = []
  }

  /// Converts a state error through the ``ErrorCatalog``.
  public init(_ error: StateError) {
    let entry = ErrorCatalog.entry(for: error)
    self.init(
      code: error.code.rawValue, exitCode: entry.exitCode, message: error.message, retryable: entry.retryable)
    fixRequired = error.fixRequired
    fixCommand = error.fixCommand
    suggestion = error.suggestion
    if let reason = error.conflictReason { details.append(("reason", .string(reason.rawValue))) }
    if entry.retryable {
      retryStrategy = entry.retryStrategy
      retryAfterMilliseconds = error.retryAfterMilliseconds ?? 0
    }
    if let holder = error.holder {
      var fields: [(String, JSONValue)] = [
        ("pid", .integer(Int64(holder.pid))),
        ("instance_id", .optional(holder.instanceID)),
        ("command", .string(holder.command)),
        ("held_ms", .integer(holder.heldMillisecondsNow)),
      ]
      // A store shared by several hosts says which host the pid is on.
      if let host = holder.host { fields.append(("host", .string(host))) }
      details.append(("holder", .object(fields)))
    } else if error.conflictReason == .lockTimeout {
      details.append(("holder", .null))
    }
    if let expected = error.expectedRevision {
      details.append(("expected_revision", .integer(Int64(clamping: expected))))
    }
    if let current = error.currentRevision {
      details.append(("current_revision", .integer(Int64(clamping: current))))
    }
    if let path = error.path { details.append(("path", .string(path))) }
    if case .logIn(let account) = error.remedy { details.append(("account", .string(account))) }
    if let expiry = error.expiredAtMilliseconds {
      details.append(("expired_at", .string(SystemClock.iso8601(wallMilliseconds: expiry))))
      details.append(("expired_at_ms", .integer(expiry)))
    } else if error.code == .credentialsExpired {
      // Always present on an expiry, `null` when no access token was obtained since the login.
      details.append(("expired_at", .null))
      details.append(("expired_at_ms", .null))
    }
    if let system = error.systemError {
      details.append(("errno", .integer(Int64(system.errno))))
      details.append(("syscall", .string(system.call)))
    }
  }

  /// A command-line usage error (exit 2).
  public static func usage(_ message: String) -> CommandFailure {
    var failure = CommandFailure(code: "INVALID_ARGUMENT", exitCode: .argumentError, message: message)
    failure.fixRequired = "correct the command line; --help lists the arguments"
    return failure
  }

  /// The error object of the envelope.
  package var json: JSONValue {
    var members: [(String, JSONValue)] = [
      ("code", .string(code)),
      ("message", .string(message)),
      ("retryable", .bool(retryable)),
    ]
    if retryable {
      if let retryAfterMilliseconds {
        members.append(("retry_after_ms", .integer(Int64(retryAfterMilliseconds))))
      }
      if let retryStrategy { members.append(("retry_strategy", .string(retryStrategy))) }
    } else {
      if let fixRequired { members.append(("fix_required", .string(fixRequired))) }
      if let fixCommand { members.append(("fix_command", .string(fixCommand))) }
    }
    if let suggestion { members.append(("suggestion", .string(suggestion))) }
    members.append(("exit_code", .integer(Int64(exitCode.rawValue))))
    members.append(contentsOf: details)
    return .object(members)
  }

  /// One line for standard error in text mode.
  ///
  /// Messages quote stored data (paths, lock holders' commands, arguments), so the line is
  /// escaped with ``TextEscaping/escape(_:)``: it stays one line and sends no control
  /// characters to a terminal.
  package var textLine: String {
    var line = "error: \(message)"
    if !retryable, let fixRequired, let fixCommand {
      line += " (fix: \(fixRequired); run: \(fixCommand))"
    } else if !retryable, let fixCommand {
      line += " (fix: \(fixCommand))"
    } else if !retryable, let fixRequired {
      line += " (fix: \(fixRequired))"
    } else if retryable, let suggestion, retryStrategy == "immediate" {
      line += " (\(suggestion))"
    }
    return TextEscaping.escape(line) + " [\(code), exit \(exitCode.rawValue)]"
  }

  public var description: String { "\(code): \(message)" }
}
