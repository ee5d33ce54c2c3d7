public import TandemState

/// The options every command of a tool accepts, before or after the subcommand.
///
/// | option (standard name) | environment | default |
/// |---|---|---|
/// | `--home DIR` | `PREFIX_HOME` | the tool's default home, e.g. `~/.tandem` |
/// | `--instance-id ID` | `PREFIX_INSTANCE_ID` | none: the shared namespace |
/// | `--lock-timeout D` | `PREFIX_LOCK_TIMEOUT` | `5s` (`0`, `250ms`, `5s`, `2m`; a bare integer is ms) |
/// | `--output text\|json` | `PREFIX_OUTPUT` | `text` |
///
/// The names are the tool's (``GlobalOptionNames``), the prefix is its identity's. A flag
/// beats its environment variable. They are taken out of the command line before
/// swift-argument-parser sees it, which is what lets them stand anywhere before `--`.
public struct GlobalOptions: Sendable {
  /// The four global options, whatever the tool names them.
  public enum Name: String, CaseIterable, Sendable {
    case home, instanceID = "instance-id", lockTimeout = "lock-timeout", output
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
  package struct Raw: Sendable, Equatable {
    /// The home, as given.
    package var home: String?
    /// The instance id, as given.
    package var instanceID: String?
    /// The lock timeout, as given.
    package var lockTimeout: String?
    /// The output format, as given.
    package var output: String?

    package init() {}

    /// The value given for `name`, if any.
    package subscript(name: Name) -> String? {
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

  /// Takes the global options named `names` out of `arguments` (up to a `--`), in
  /// `--name value` and `--name=value` form. Returns the values and the arguments left for
  /// the parser.
  package static func extract(from arguments: [String], names: GlobalOptionNames = .standard)
    throws(CommandFailure)
    -> (Raw, [String])
  {
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
      if argument.hasPrefix("--"), let name = match(argument, names) {
        if let equals = argument.firstIndex(of: "=") {
          raw[name] = String(argument[argument.index(after: equals)...])
        } else {
          guard index + 1 < arguments.count else { throw .usage("missing value for \(names.flag(name))") }
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

  private static func match(_ argument: String, _ names: GlobalOptionNames) -> Name? {
    let flag = argument.utf8.split(
      separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)[0]
    let name = flag.dropFirst(2)
    if name.elementsEqual(names.home.utf8) { return .home }
    if name.elementsEqual(names.instanceID.utf8) { return .instanceID }
    if name.elementsEqual(names.lockTimeout.utf8) { return .lockTimeout }
    if name.elementsEqual(names.output.utf8) { return .output }
    return nil
  }

  /// The output format alone, resolved leniently so that even a bad command line can be
  /// answered in the format the caller asked for.
  package static func outputFormat(
    _ raw: Raw, environment: [String: String], tool: ToolIdentity, names: GlobalOptionNames = .standard
  ) -> OutputFormat {
    outputFormat(raw, environment: EnvironmentLookup(environment), tool: tool, names: names)
  }

  static func outputFormat(
    _ raw: Raw, environment: EnvironmentLookup, tool: ToolIdentity, names: GlobalOptionNames
  )
    -> OutputFormat
  {
    let text = raw.output ?? environment[names.environmentVariable(.output, tool: tool)] ?? "text"
    return OutputFormat(rawValue: text) ?? .text
  }

  /// Validates the raw values, with flags before environment variables before defaults. An
  /// invalid value is reported under the name it was given by: the flag or the variable.
  package static func resolve(
    _ raw: Raw, environment: [String: String], tool: ToolIdentity, names: GlobalOptionNames = .standard
  ) throws(CommandFailure) -> GlobalOptions {
    try resolve(raw, environment: EnvironmentLookup(environment), tool: tool, names: names)
  }

  static func resolve(
    _ raw: Raw, environment: EnvironmentLookup, tool: ToolIdentity, names: GlobalOptionNames
  )
    throws(CommandFailure) -> GlobalOptions
  {
    /// The value and where it came from.
    func value(_ name: Name) -> (text: String, source: String)? {
      if let flag = raw[name] { return (flag, names.flag(name)) }
      let variable = names.environmentVariable(name, tool: tool)
      if let text = environment[variable], !text.isEmpty { return (text, variable) }
      return nil
    }
    do {
      let homeVariable = names.environmentVariable(.home, tool: tool)
      let home: StateHome
      if let explicit = raw.home ?? environment[homeVariable], !explicit.isEmpty {
        home = StateHome(path: explicit, tool: tool)
      } else {
        home = try StateHome.resolve(tool: tool, explicit: nil, lookup: environment.value)
      }
      let instance = try value(.instanceID).map { (given) throws(StateError) in
        do throws(StateError) {
          return try InstanceID(given.text)
        } catch {
          var named = error
          if given.source.hasPrefix("--") == false { named.message = "\(given.source): " + error.message }
          throw named
        }
      }
      let timeout = try value(.lockTimeout).map { (given) throws(StateError) in
        try LockTimeout(parsing: given.text, option: given.source)
      }
      let output: OutputFormat
      if let given = value(.output) {
        guard let format = OutputFormat(rawValue: given.text) else {
          throw CommandFailure.usage(
            "invalid output format \(InstanceID.quoted(given.text)) in \(given.source): use text or json")
        }
        output = format
      } else {
        output = .text
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
