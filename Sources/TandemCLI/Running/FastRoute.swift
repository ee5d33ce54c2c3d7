import TandemState

/// A hand-parsed route for a hot command, taken before swift-argument-parser is consulted.
///
/// swift-argument-parser builds its command tree with runtime reflection, which costs about
/// a millisecond per process: more than the rest of a `config set`. Agents call hot commands
/// thousands of times, so a tool can declare their grammar here as well. A route only takes
/// command lines it fully understands (known options, `--opt value` or `--opt=value`,
/// positionals); anything else, including `--help` and every malformed line, goes to
/// swift-argument-parser, which then gives the canonical help and errors. Tests check that
/// both paths give the same results.
public struct FastRoute: Sendable {
  /// The subcommand words, e.g. `["config", "set"]`.
  public let path: [String]
  /// Options that take a value, e.g. `["--if-revision", "--scope"]`.
  public let valueOptions: [String]
  /// The command itself, given the parsed arguments.
  public let run: @Sendable (FastArguments, CommandContext) throws -> CommandOutput

  /// A route for `path` with these value options.
  public init(
    _ path: [String], valueOptions: [String] = [],
    run: @escaping @Sendable (FastArguments, CommandContext) throws -> CommandOutput
  ) {
    self.path = path
    self.valueOptions = valueOptions
    self.run = run
  }

  /// Thrown by a route's `run` when it meets something it would rather leave to the full
  /// parser (e.g. an option value that does not convert).
  public struct Declined: Error {
    public init() {}
  }

  /// Parses `arguments` (global options already removed) if this route understands them all.
  func match(_ arguments: [String]) -> FastArguments? {
    guard arguments.count >= path.count, Array(arguments[0..<path.count]) == path else { return nil }
    var parsed = FastArguments()
    var index = path.count
    while index < arguments.count {
      let argument = arguments[index]
      if argument == "--" {
        parsed.positionals.append(contentsOf: arguments[(index + 1)...])
        break
      }
      if argument.hasPrefix("-") {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard valueOptions.contains(name), parsed.value(name) == nil else { return nil }
        if parts.count == 2 {
          // `--opt=` with nothing after it is "missing value" to swift-argument-parser, not
          // an empty value: left to it, so that both paths give the same error.
          guard !parts[1].isEmpty else { return nil }
          parsed.options.append((name, String(parts[1])))
        } else {
          guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") else { return nil }
          parsed.options.append((name, arguments[index + 1]))
          index += 1
        }
      } else {
        parsed.positionals.append(argument)
      }
      index += 1
    }
    return parsed
  }
}

/// The arguments a ``FastRoute`` parsed.
public struct FastArguments: Sendable {
  /// Positional arguments, in order.
  public var positionals: [String] = []
  /// Option values with their option names, in order.
  public var options: [(String, String)] = []

  /// The value of option `name` (`--scope`), if given.
  public func value(_ name: String) -> String? {
    options.first(where: { $0.0 == name })?.1
  }
}
