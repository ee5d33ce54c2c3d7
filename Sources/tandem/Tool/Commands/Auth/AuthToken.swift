import ArgumentParser
import TandemCLI
import TandemState

/// `tandem auth token`
struct AuthToken: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "token",
    abstract: "Print a valid access token, refreshing first (once across all processes) if it expires soon."
  )

  @Option(help: "The account (default: the active one).") var account: String?

  @Option(
    name: .customLong("min-ttl"),
    help: ArgumentHelp("Refresh first if the token expires within this.", valueName: "duration"))
  var minTTL: String = Self.defaultMinTTL

  /// `--min-ttl`'s default.
  static let defaultMinTTL = "60s"

  func execute(in context: CommandContext) throws -> CommandOutput {
    try Self.perform(account: account, minTTL: minTTL, in: context)
  }

  /// `auth token` itself, shared by the command and its fast route (it runs on every use of
  /// a token).
  static func perform(account: String?, minTTL: String, in context: CommandContext) throws -> CommandOutput {
    let minimum = try LockTimeout.milliseconds(parsing: minTTL, what: "minimum validity", option: "--min-ttl")
    return try AuthSupport.withTokenStore(
      account, in: context, .token(minimumValidity: .milliseconds(minimum)))
  }
}

/// `tandem auth refresh`
struct AuthRefresh: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "refresh",
    abstract: "The 401 recovery step: refresh unless another process already did since generation N.",
    discussion: """
      With --if-generation N it refreshes only if the cache still holds generation N; if another \
      process has refreshed since, it returns the newer token without contacting the provider. \
      Without it, it refreshes unconditionally, still one process at a time.
      """
  )

  @Option(help: "The account (default: the active one).") var account: String?

  @Option(
    name: .customLong("if-generation"),
    help: ArgumentHelp("Refresh only if the cache is still at this generation.", valueName: "n"))
  var ifGeneration: UInt64?

  func execute(in context: CommandContext) throws -> CommandOutput {
    try AuthSupport.withTokenStore(account, in: context, .refresh(ifGeneration: ifGeneration))
  }
}
