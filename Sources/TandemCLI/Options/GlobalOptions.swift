public import TandemState

/// The options every command of a Tandem tool accepts, before or after the subcommand.
///
/// | option | environment | default |
/// |---|---|---|
/// | `--home DIR` | `TANDEM_HOME` | `~/.tandem` |
/// | `--instance-id ID` | `TANDEM_INSTANCE_ID` | none: the shared namespace |
/// | `--lock-timeout D` | `TANDEM_LOCK_TIMEOUT` | `5s` (`0`, `250ms`, `5s`, `2m`; a bare integer is ms) |
/// | `--output text\|json` | `TANDEM_OUTPUT` | `text` |
///
/// A flag beats its environment variable. They are taken out of the command line before
/// swift-argument-parser sees it, which is what lets them stand anywhere before `--`.
public struct GlobalOptions: Sendable {
  /// The option names, with the environment variable each falls back to.
  public enum Name: String, CaseIterable, Sendable {
    case home, instanceID = "instance-id", lockTimeout = "lock-timeout", output

    /// The flag, e.g. `--instance-id`.
    public var flag: String { "--" + rawValue }

    /// The environment variable, e.g. `TANDEM_INSTANCE_ID`.
    public var environmentVariable: String {
      switch self {
      case .home: return "TANDEM_HOME"
      case .instanceID: return "TANDEM_INSTANCE_ID"
      case .lockTimeout: return "TANDEM_LOCK_TIMEOUT"
      case .output: return "TANDEM_OUTPUT"
      }
    }
  }

  /// The state home.
  public var home: StateHome
  /// The instance id, or `nil` for the shared namespace.
  public var instanceID: InstanceID?
  /// How long writes wait for a lock.
  public var lockTimeout: LockTimeout
  /// Text or JSON.
  public var output: OutputFormat

  /// The namespace that writes go to by default.
  public var namespace: Namespace { instanceID.map(Namespace.instance) ?? .shared }

  /// Creates options directly (for tests and embedding).
  public init(
    home: StateHome, instanceID: InstanceID? = nil, lockTimeout: LockTimeout = .default,
    output: OutputFormat = .text
  ) {
    self.home = home
    self.instanceID = instanceID
    self.lockTimeout = lockTimeout
    self.output = output
  }

  /// The raw values found on a command line, before validation.
  ///
  /// Plain fields rather than a dictionary keyed by ``Name``: on the start-up path, each
  /// distinct generic instantiation costs the runtime a scan of every protocol conformance.
  public struct Raw: Sendable, Equatable {
    /// `--home`, as given.
    public var home: String?
    /// `--instance-id`, as given.
    public var instanceID: String?
    /// `--lock-timeout`, as given.
    public var lockTimeout: String?
    /// `--output`, as given.
    public var output: String?

    public init() {}

    /// The value given for `name`, if any.
    public subscript(name: Name) -> String? {
      get {
        switch name {
        case .home: return home
        case .instanceID: return instanceID
        case .lockTimeout: return lockTimeout
        case .output: return output
        }
      }
      set {
        switch name {
        case .home: home = newValue
        case .instanceID: instanceID = newValue
        case .lockTimeout: lockTimeout = newValue
        case .output: output = newValue
        }
      }
    }
  }

  /// Takes the global options out of `arguments` (up to a `--`), in `--name value` and
  /// `--name=value` form. Returns the values and the arguments left for the parser.
  public static func extract(from arguments: [String]) throws(CommandFailure) -> (Raw, [String]) {
    var raw = Raw()
    var rest: [String] = []
    rest.reserveCapacity(arguments.count)
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if argument == "--" {
        rest.append(contentsOf: arguments[index...])
        break
      }
      if argument.hasPrefix("--"), let name = match(argument) {
        if let equals = argument.firstIndex(of: "=") {
          raw[name] = String(argument[argument.index(after: equals)...])
        } else {
          guard index + 1 < arguments.count else { throw .usage("missing value for \(name.flag)") }
          raw[name] = arguments[index + 1]
          index += 1
        }
      } else {
        rest.append(argument)
      }
      index += 1
    }
    return (raw, rest)
  }

  private static func match(_ argument: String) -> Name? {
    let flag = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
    return Name.allCases.first { $0.flag == flag }
  }

  /// The output format alone, resolved leniently so that even a bad command line can be
  /// answered in the format the caller asked for.
  public static func outputFormat(_ raw: Raw, environment: [String: String]) -> OutputFormat {
    let text = raw.output ?? environment[Name.output.environmentVariable] ?? "text"
    return OutputFormat(rawValue: text) ?? .text
  }

  /// Validates the raw values, with flags before environment variables before defaults.
  public static func resolve(_ raw: Raw, environment: [String: String]) throws(CommandFailure)
    -> GlobalOptions
  {
    func value(_ name: Name) -> String? {
      if let flag = raw[name] { return flag }
      if let variable = environment[name.environmentVariable], !variable.isEmpty { return variable }
      return nil
    }
    do {
      let home = try StateHome.resolve(explicit: raw.home, environment: environment)
      let instance = try value(.instanceID).map { (id: String) throws(StateError) in try InstanceID(id) }
      let timeout = try value(.lockTimeout).map { (text: String) throws(StateError) in
        try LockTimeout(parsing: text)
      }
      let outputText = value(.output) ?? "text"
      guard let output = OutputFormat(rawValue: outputText) else {
        throw CommandFailure.usage("invalid output format \"\(outputText)\": use text or json")
      }
      return GlobalOptions(home: home, instanceID: instance, lockTimeout: timeout ?? .default, output: output)
    } catch let error as StateError {
      throw CommandFailure(error)
    } catch let error as CommandFailure {
      throw error
    } catch {
      throw CommandFailure.usage("\(error)")
    }
  }
}
