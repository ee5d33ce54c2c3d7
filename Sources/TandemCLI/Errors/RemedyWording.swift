package import TandemState

extension CommandFailure {
  /// Converts a state error through the ``ErrorCatalog`` and says its ``Remedy`` in the words
  /// of the tool: its option names and variables, and its own command for the remedy when it
  /// gives one (``TandemTool/advice(for:in:)``).
  ///
  /// - Parameters:
  ///   - tool: the tool's identity, for variable names.
  ///   - names: the tool's global option names.
  ///   - context: the running command, when there is one yet; the tool's advice and the
  ///     caller's explicit global options come from it.
  package init(_ error: StateError, tool: ToolIdentity, names: GlobalOptionNames, context: CommandContext?) {
    self.init(error)
    guard let remedy = error.remedy else { return }
    let homeFlag = names.flag(.home)
    let homeVariable = names.environmentVariable(.home, tool: tool)
    switch remedy {
    case .raiseLockTimeout:
      suggestion =
        "run the same command again after retry_after_ms, or raise \(names.flag(.lockTimeout)) "
        + "(\(names.environmentVariable(.lockTimeout, tool: tool)))"
    case .chooseWritableHome:
      if error.code == .readOnlyFileSystem {
        fixRequired = "point \(homeFlag) (or \(homeVariable)) at a writable directory"
      } else if let path = error.path {
        fixRequired = "make \(path) writable by this user, or use another \(homeFlag)"
      }
    case .nameHome:
      fixRequired = "pass \(homeFlag) DIR or set \(homeVariable)"
    case .rereadDocument, .repairDocument, .logIn, .logInFirst, .chooseAccount, .setEnvironmentVariable,
      .askForShorterValidity:
      break
    }
    guard let context, let advice = context.advice(remedy, context) else { return }
    if let text = advice.text { fixRequired = text }
    if let command = advice.command { fixCommand = context.commandLine(command) }
    if let reauth = advice.reauthCommand { details.append(("reauth_command", .string(reauth))) }
    if !advice.authMethods.isEmpty {
      details.append(("auth_methods", AuthenticationMethod.json(advice.authMethods)))
    }
  }
}
