public import ArgumentParser
public import TandemState

/// What a command promises an agent, beyond its options: how much it changes, the errors it
/// may end with, and examples. The manifest (`TOOL manifest`) and each command's `--help`
/// are generated from it, so that neither is kept by hand.
///
/// ```swift
/// struct Unset: TandemCommand, ContractedCommand {
///   static let contract = CommandContract(
///     .destructive, failures: [.notFound, .concurrentModification],
///     examples: [CommandExample("Remove a key", "unset theme")])
///   ...
/// }
/// ```
public protocol ContractedCommand: ParsableCommand {
  /// The command's contract.
  static var contract: CommandContract { get }
}

/// How much a command changes, in the CLI Agent Spec's three levels.
public enum DangerLevel: String, Sendable, CaseIterable {
  /// Reads only.
  case safe
  /// Creates or modifies state.
  case mutating
  /// Deletes or irreversibly modifies state.
  case destructive
}

/// One example invocation, shown in `--help` and in the manifest.
public struct CommandExample: Sendable, Equatable {
  /// What the example shows, in one line.
  public var description: String
  /// The command line after the tool's name, runnable as it is, e.g. `config set a=1`.
  public var arguments: String

  /// An example: what it shows, and the command line after the tool's name.
  public init(_ description: String, _ arguments: String) {
    self.description = description
    self.arguments = arguments
  }
}

/// A command's contract: see ``ContractedCommand``.
public struct CommandContract: Sendable {
  /// How much the command changes.
  public var danger: DangerLevel
  /// The error codes the command may end with, beyond those every command may end with
  /// (`INVALID_ARGUMENT` for a bad command line, `INTERNAL_ERROR`, `IO_ERROR`). Each is
  /// reported in the manifest under the exit code the ``ErrorCatalog`` gives it.
  public var failures: [StateError.Code]
  /// Example invocations.
  public var examples: [CommandExample]
  /// The accepted values of options that take a string and check it themselves (e.g.
  /// `["scope": ["instance", "shared"]]`), by long name; the manifest lists them as enums.
  /// Options of a `CaseIterable` type need nothing here.
  public var allowedValues: [String: [String]]

  /// A contract.
  ///
  /// - Parameters:
  ///   - danger: how much the command changes.
  ///   - failures: the error codes it may end with, beyond the ones every command may.
  ///   - examples: example invocations.
  ///   - allowedValues: the accepted values of string options the command checks itself.
  public init(
    _ danger: DangerLevel, failures: [StateError.Code] = [], examples: [CommandExample] = [],
    allowedValues: [String: [String]] = [:]
  ) {
    self.danger = danger
    self.failures = failures
    self.examples = examples
    self.allowedValues = allowedValues
  }
}
