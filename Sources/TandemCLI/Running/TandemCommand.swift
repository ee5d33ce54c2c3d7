public import ArgumentParser
public import TandemState

/// A command that reports through the Tandem contract: it returns its result (or throws)
/// and ``CommandLineTool`` prints the text or the JSON envelope and picks the exit code.
///
/// ```swift
/// struct Get: TandemCommand {
///   @OptionGroup(title: "Global options") var globals: GlobalOptionsHelp
///   @Argument var key: String
///
///   func execute(in context: CommandContext) throws -> CommandOutput {
///     let value = try ConfigStore(home: context.options.home).read()[key]
///     return CommandOutput(data: .object([("value", .optional(value))]), text: value ?? "")
///   }
/// }
/// ```
public protocol TandemCommand: ParsableCommand {
  /// Runs the command. Throw ``CommandFailure`` or `StateError` to fail.
  func execute(in context: CommandContext) throws -> CommandOutput
}

/// What a successful command returns.
public struct CommandOutput: Sendable {
  /// The envelope's `data`: an object or an array.
  public var data: JSONValue
  /// What text mode prints on standard output (a newline is added when missing).
  ///
  /// Pass stored data (keys, values, ids, paths, commands) through
  /// ``TextEscaping/escape(_:)``, so that it can neither forge lines nor send control
  /// characters to a terminal.
  public var text: String
  /// For ``value(_:data:)`` results: the one stored value that text mode prints.
  public private(set) var exactValue: String?

  /// A result with its JSON data and its text rendering.
  public init(data: JSONValue, text: String) {
    self.data = data
    self.text = text
  }

  /// A result whose text is one stored value, as `config get` prints it: the value exactly,
  /// followed by one newline, when standard output is a file or a pipe (so that
  /// `$(tool get k)` is the value itself, backslashes and all); escaped with
  /// ``TextEscaping/escape(_:)`` when it is a terminal, where control characters would
  /// act on the terminal. JSON mode prints `data`, exact as always.
  public static func value(_ value: String, data: JSONValue) -> CommandOutput {
    var output = CommandOutput(data: data, text: value)
    output.exactValue = value
    return output
  }
}

/// What a command gets from the tool: the resolved global options and a place for warnings.
public final class CommandContext {
  /// The global options, resolved from flags, environment and defaults.
  public let options: GlobalOptions
  /// The tool's name, e.g. `tandem`.
  public let toolName: String
  /// The subcommand path, e.g. `config set`.
  public let commandPath: String
  /// Non-fatal diagnostics for the envelope's `warnings`.
  public private(set) var warnings: [String] = []
  /// The global flags given explicitly, to repeat in suggested commands.
  let explicitGlobals: GlobalOptions.Raw

  init(options: GlobalOptions, toolName: String, commandPath: String, explicitGlobals: GlobalOptions.Raw) {
    self.options = options
    self.toolName = toolName
    self.commandPath = commandPath
    self.explicitGlobals = explicitGlobals
  }

  /// Adds a warning.
  public func warn(_ message: String) { warnings.append(message) }

  /// A lock intent describing this command; `detail` must never contain secrets.
  public func intent(_ detail: String? = nil) -> LockIntent {
    var command = "\(toolName) \(commandPath)"
    if let detail, !detail.isEmpty { command += " " + detail }
    return LockIntent(instanceID: options.instanceID?.rawValue, command: command)
  }

  /// A command line of this tool that can be run verbatim: the words given, plus the global
  /// flags the caller gave (`--home`, `--instance-id`, `--lock-timeout`, `--output`), so that
  /// it acts on the same state and answers in the same format. Values from environment
  /// variables are not repeated: the caller's environment still holds them.
  public func commandLine(_ words: String...) -> String {
    commandLine(words)
  }

  /// ``commandLine(_:)-(String...)`` for a list of words.
  public func commandLine(_ words: [String]) -> String {
    var parts = [toolName] + words
    if let home = explicitGlobals.home { parts += ["--home", home] }
    if let id = options.instanceID, explicitGlobals.instanceID != nil {
      parts += ["--instance-id", id.rawValue]
    }
    if let timeout = explicitGlobals.lockTimeout { parts += ["--lock-timeout", timeout] }
    if explicitGlobals.output != nil { parts += ["--output", options.output.rawValue] }
    return parts.map(ShellQuoting.quote).joined(with: " ")
  }
}

/// Quoting for command lines shown to people and agents.
public enum ShellQuoting {
  /// `word` as the shell would need it: unchanged when safe, else in single quotes.
  public static func quote(_ word: String) -> String {
    let safe =
      !word.isEmpty
      && word.utf8.allSatisfy { byte in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
          || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-_./=:,@%+".utf8.contains(byte)
      }
    if safe { return word }
    return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
  }
}
