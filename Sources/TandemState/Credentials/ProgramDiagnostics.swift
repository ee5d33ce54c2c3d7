internal import SystemPlatform

/// How the refreshers describe a program they run (the helper, `curl`) that could not be
/// started or that failed: which failures are permanent, and what its standard error said.
enum ProgramDiagnostics {
  /// The failure for a program that could not be started: a missing program
  /// (`ENOENT`) or one that cannot be executed (`EACCES`, `EPERM`, `ENOEXEC`) is permanent,
  /// anything else (out of processes, memory, descriptors) temporary.
  static func spawnFailure(_ error: StateError, program: String, fix: String) -> RefreshFailure {
    let number = error.systemError?.errno
    let quoted = InstanceID.quoted(program)
    if number == ENOENT || (number == nil && error.code == .notFound) {
      return RefreshFailure(.programMissing, "\(quoted) was not found (\(error.message))", fix: fix)
    }
    if let number, [EACCES, EPERM, ENOEXEC].contains(number) {
      return RefreshFailure(.programNotRunnable, "\(quoted) cannot be executed (\(error.message))", fix: fix)
    }
    return RefreshFailure(.unavailable, "cannot start \(quoted) (\(error.message))")
  }

  /// The last ``CredentialLimits/diagnosticLines`` non-empty lines of `bytes`, at most
  /// ``CredentialLimits/diagnosticBytes`` in all, joined with ` | `, secrets redacted; nil
  /// if there are none.
  static func tail(_ bytes: [UInt8], redactor: Redactor) -> String? {
    // Only the end matters; looking at a bounded suffix also bounds the work.
    var suffix = bytes.suffix(CredentialLimits.diagnosticBytes * 8)
    if suffix.count < bytes.count {
      // The cut may have split a secret, and a fragment is no longer recognisable: drop the
      // partial first line.
      guard let newline = suffix.firstIndex(of: 0x0A) else { return "(a single line too long to show)" }
      suffix = suffix[(newline + 1)...]
    }
    let text = String(decoding: suffix, as: UTF8.self)
    let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
      .map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
      .suffix(CredentialLimits.diagnosticLines)
    guard !lines.isEmpty else { return nil }
    let joined = lines.map { redactor.redact($0) }.joined(separator: " | ")
    let bounded = Array(joined.utf8)
    guard bounded.count > CredentialLimits.diagnosticBytes else {
      return TokenResponse.bounded(joined, CredentialLimits.diagnosticBytes)
    }
    // Keep the end, where the reason usually is.
    let kept = String(decoding: bounded.suffix(CredentialLimits.diagnosticBytes - 3), as: UTF8.self)
    return "..." + TokenResponse.bounded(kept, CredentialLimits.diagnosticBytes)
  }

  /// `; its standard error ends: ...`, or nothing.
  static func stderrClause(_ bytes: [UInt8], who: String, redactor: Redactor) -> String {
    guard let tail = tail(bytes, redactor: redactor) else {
      return "; \(who) printed nothing on standard error"
    }
    return "; \(who)'s standard error ends: \(tail)"
  }
}
