public import ArgumentParser
public import TandemState

/// The root command of a tool built on TandemCLI: where the tool says, once, who it is and
/// how its global options are named.
///
/// ```swift
/// struct Notes: TandemTool {
///   static let configuration = CommandConfiguration(
///     commandName: "notes", subcommands: [Add.self, Export.self])
///   static let identity = ToolIdentity(name: "notes", home: .platformDefault)
///   static let globalOptionNames = GlobalOptionNames(output: "format")
/// }
///
/// // main.swift
/// CommandLineTool.main(Notes.self)
/// ```
public protocol TandemTool: ParsableCommand {
  /// The tool's name, environment prefix and default home.
  static var identity: ToolIdentity { get }
  /// The names of the global options (default: ``GlobalOptionNames/standard``).
  static var globalOptionNames: GlobalOptionNames { get }
  /// Hand-parsed routes for hot commands (default: none); see ``FastRoute``.
  static var fastRoutes: [FastRoute] { get }
  /// The tool's own way to act on a `Remedy`: a runnable command, or words for people
  /// (default: none, and the framework's generic sentence is shown).
  static func advice(for remedy: Remedy, in context: CommandContext) -> RemedyAdvice?
}

extension TandemTool {
  /// The standard names: `--home`, `--instance-id`, `--lock-timeout`, `--output`.
  public static var globalOptionNames: GlobalOptionNames { .standard }
  /// No fast routes: every command line goes through swift-argument-parser.
  public static var fastRoutes: [FastRoute] { [] }
  /// No advice of the tool's own.
  public static func advice(for remedy: Remedy, in context: CommandContext) -> RemedyAdvice? { nil }
}

/// A tool's own words for a `Remedy` (TandemState's typed fix for an error).
public struct RemedyAdvice: Sendable {
  /// What to do, for people (replaces the framework's generic sentence when set).
  public var text: String?
  /// The words of a command of the tool that does it, runnable as it is, e.g.
  /// `["config", "repair", "--scope", "shared"]`; the tool's name and the caller's explicit
  /// global options are added (``CommandContext/commandLine(_:)-([String])``).
  public var command: [String]?
  /// For log-in remedies: the complete log-in command line that restores access
  /// (`reauth_command` in the error object). It may read a secret on standard input, so it
  /// is never a `fix_command`.
  public var reauthCommand: String?
  /// For log-in remedies: every way to authenticate (`auth_methods` in the error object).
  public var authMethods: [AuthenticationMethod]

  /// Advice with a command, words, or both; for log-in remedies also the log-in command and
  /// the ways to authenticate.
  public init(
    text: String? = nil, command: [String]? = nil, reauthCommand: String? = nil,
    authMethods: [AuthenticationMethod] = []
  ) {
    self.text = text
    self.command = command
    self.reauthCommand = reauthCommand
    self.authMethods = authMethods
  }
}
