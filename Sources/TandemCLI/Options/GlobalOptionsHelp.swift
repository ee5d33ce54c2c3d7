public import ArgumentParser

/// The global options as swift-argument-parser shows them in `--help`.
///
/// Add it to each command with `@OptionGroup(title: "Global options") var globals:
/// GlobalOptionsHelp`. The values are read by ``GlobalOptions/extract(from:)`` before
/// parsing, so these properties stay empty; they exist for the help text.
public struct GlobalOptionsHelp: ParsableArguments {
  @Option(
    name: .long, help: ArgumentHelp("State directory (env TANDEM_HOME; default ~/.tandem).", valueName: "dir")
  )
  /// Shown as `--home`.
  public var home: String?

  @Option(
    name: .customLong("instance-id"),
    help: ArgumentHelp("This agent's namespace (env TANDEM_INSTANCE_ID; default: shared).", valueName: "id"))
  /// Shown as `--instance-id`.
  public var instanceID: String?

  @Option(
    name: .customLong("lock-timeout"),
    help: ArgumentHelp(
      "How long writes wait for a lock: 0, 250ms, 5s, 2m (env TANDEM_LOCK_TIMEOUT; default 5s).",
      valueName: "duration"))
  /// Shown as `--lock-timeout`.
  public var lockTimeout: String?

  @Option(
    name: .long, help: ArgumentHelp("text or json (env TANDEM_OUTPUT; default text).", valueName: "format"))
  /// Shown as `--output`.
  public var output: String?

  public init() {}
}
