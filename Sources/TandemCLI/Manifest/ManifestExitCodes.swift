import TandemState

extension Manifest {
  /// What each exit code means, in one line for an agent (the manifest's
  /// `exit_codes[*].description`, at most 120 characters with the codes it lists).
  static let exitMeanings: [Int32: String] = [
    0: "Completed as intended.",
    1: "Failed without a more specific exit code; read error.code.",
    2: "The command line or an argument is invalid; nothing was done.",
    3: "Started but did not complete; inspect state before retrying.",
    4: "A precondition failed (corrupt or unsafe state, full disk, setup); nothing was done.",
    5: "What the command addresses does not exist; nothing was done.",
    6: "Lock timeout or revision conflict; nothing written unless error.code says otherwise.",
    7: "Access was refused; do not retry.",
    8: "Credentials are missing, expired or revoked; log in again.",
    10: "An operation ran out of time.",
    11: "An upstream rate limit was hit; retry after error.retry_after_ms.",
    12: "A service is temporarily unavailable; retry with back-off.",
  ]

  /// The `exit_codes` map of a command that may fail with `failures`, besides what every
  /// command may end with.
  static func exitCodes(failures: [StateError.Code], danger: DangerLevel) -> JSONValue {
    let common: [StateError.Code] = [.invalidArgument, StateError.Code("INTERNAL_ERROR"), .ioError]
    var byStatus: [Int32: (status: ExitStatus, codes: [String], entries: [ErrorCatalog.Entry])] = [:]
    for code in common + failures {
      let entry = ErrorCatalog.entry(for: code)
      var group = byStatus[entry.exitCode.rawValue] ?? (entry.exitCode, [], [])
      guard !group.codes.contains(code.rawValue) else { continue }
      group.codes.append(code.rawValue)
      group.entries.append(entry)
      byStatus[entry.exitCode.rawValue] = group
    }
    var members: [(String, JSONValue)] = [
      (
        "0",
        exitEntry(
          name: ExitStatus.success.name, description: exitMeanings[0]!, retryable: false,
          sideEffects: danger == .safe ? .none : .complete)
      )
    ]
    for status in byStatus.keys.sorted() {
      let group = byStatus[status]!
      // A read-only command changes nothing, whatever the code; a retryable exit is one where
      // some code may succeed when run again and none may have written anything.
      let sideEffects = danger == .safe ? .none : group.entries.map(\.sideEffects).max() ?? .none
      let retryable = sideEffects == .none && group.entries.contains(where: \.retryable)
      var description = exitMeanings[status] ?? "Failed."
      let codes = " Codes: " + group.codes.joined(separator: ", ") + "."
      if description.count + codes.count <= 120 { description += codes }
      members.append(
        (
          String(status),
          exitEntry(
            name: group.status.name, description: description, retryable: retryable, sideEffects: sideEffects)
        ))
    }
    return .object(members)
  }

  private static func exitEntry(
    name: String, description: String, retryable: Bool, sideEffects: ErrorCatalog.SideEffects
  ) -> JSONValue {
    .object([
      ("name", .string(name)),
      ("description", .string(description)),
      ("retryable", .bool(retryable)),
      ("side_effects", .string(sideEffects.rawValue)),
    ])
  }
}
