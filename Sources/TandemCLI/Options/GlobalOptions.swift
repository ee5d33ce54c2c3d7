public import TandemState

/// The options every command of a tool accepts, before or after the subcommand.
///
/// | option (standard name) | environment | default |
/// |---|---|---|
/// | `--home DIR` | `PREFIX_HOME` | the tool's default home, e.g. `~/.tandem` |
/// | `--instance-id ID` | `PREFIX_INSTANCE_ID` | none: the shared namespace |
/// | `--lock-timeout D` | `PREFIX_LOCK_TIMEOUT` | `5s` (`0`, `250ms`, `5s`, `2m`; a bare integer is ms) |
/// | `--output text\|json`, `-o` | `PREFIX_OUTPUT` | `text` |
/// | `--store URL` | `PREFIX_STORE` | none: the home's files |
///
/// The names are the tool's (``GlobalOptionNames``), the prefix is its identity's. A flag
/// beats its environment variable; a variable set to the empty string counts as unset, as
/// shells treat `VAR=`. They are taken out of the command line before swift-argument-parser
/// sees it, which is what lets them stand anywhere before `--`.
///
/// A home that starts with `~` was not expanded by a shell (`--home=~/x`, a variable set in
/// a unit or `.env` file): `~` and `~/...` are expanded from `HOME`, and `~user` is refused,
/// rather than creating a directory literally named `~`. An empty `--home ""` is refused.
///
/// An invalid value is reported under the name it was given by, the flag or the variable.
/// The lock timeout is checked only when a command takes a lock (``lockTimeout``), so that a
/// bad `PREFIX_LOCK_TIMEOUT` does not stand in the way of reads.
public struct GlobalOptions: Sendable {
  /// The global options, whatever the tool names them.
  public enum Name: String, CaseIterable, Sendable {
    case home, instanceID = "instance-id", lockTimeout = "lock-timeout", output, store
  }

  /// The state home.
  public var home: StateHome
  /// The instance id, or `nil` for the shared namespace.
  public var instanceID: InstanceID?
  /// Text or JSON.
  public var output: OutputFormat
  /// The store URL (`--store`, `PREFIX_STORE`), or `nil` for the home's files: the default,
  /// also when the option or the variable is empty. Only its scheme is read here; the
  /// provider of that scheme reads the rest (``StoreProvider``, ``CommandContext/backend()``).
  public var store: String?
  /// The lock timeout as given, or why it is invalid.
  private var lockTimeoutSetting: Result<LockTimeout, CommandFailure>

  /// How long writes wait for a lock.
  ///
  /// Throws the `INVALID_ARGUMENT` failure (exit 2) for an invalid `--lock-timeout` or
  /// `PREFIX_LOCK_TIMEOUT`, naming the one that held it. Only a command that takes a lock
  /// reads this, so an invalid value fails writes and leaves reads alone. A command that
  /// does work before it takes its lock (reading standard input, say) reads it first.
  public var lockTimeout: LockTimeout {
    get throws(CommandFailure) { try lockTimeoutSetting.get() }
  }

  /// The namespace that writes go to by default.
  public var namespace: Namespace { instanceID.map(Namespace.instance) ?? .shared }

  /// Creates options directly (for tests and embedding).
  public init(
    home: StateHome, instanceID: InstanceID? = nil, lockTimeout: LockTimeout = .default,
    output: OutputFormat = .text, store: String? = nil
  ) {
    self.home = home
    self.instanceID = instanceID
    self.lockTimeoutSetting = .success(lockTimeout)
    self.output = output
    self.store = store
  }

  private init(
    home: StateHome, instanceID: InstanceID?, lockTimeout: Result<LockTimeout, CommandFailure>,
    output: OutputFormat, store: String?
  ) {
    self.home = home
    self.instanceID = instanceID
    self.lockTimeoutSetting = lockTimeout
    self.output = output
    self.store = store
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
    /// The store URL, as given.
    package var store: String?
    /// How the output format was given when it was given by its short name (`-o`), for
    /// messages; `nil` for the long one.
    package var outputShortFlag: String?

    package init() {}

    /// The value given for `name`, if any.
    package subscript(name: Name) -> String? {
      get {
        switch name {
        case .home: return home
        case .instanceID: return instanceID
        case .lockTimeout: return lockTimeout
        case .output: return output
        case .store: return store
        }
      }
      set {
        switch name {
        case .home: home = newValue
        case .instanceID: instanceID = newValue
        case .lockTimeout: lockTimeout = newValue
        case .output: output = newValue
        case .store: store = newValue
        }
      }
    }
  }

  /// Takes the global options named `names` out of `arguments` (up to a `--`), in
  /// `--name value` and `--name=value` form, and the output format's short name as `-o value`,
  /// `-o=value` or `-ovalue`. Returns the values and the arguments left for the parser.
  package static func extract(from arguments: [String], names: GlobalOptionNames = .standard)
    throws(CommandFailure)
    -> (Raw, [String])
  {
    var raw = Raw()
    var rest: [String] = []
    rest.reserveCapacity(arguments.count)
    let short = names.outputShort.flatMap(\.asciiValue)
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
        if name == .output { raw.outputShortFlag = nil }
      } else if let short, isShort(argument, short) {
        let flag = String(argument.prefix(2))
        let attached = argument.utf8.dropFirst(2)
        if attached.isEmpty {
          guard index + 1 < arguments.count else { throw .usage("missing value for \(flag)") }
          raw.output = arguments[index + 1]
          index += 1
        } else {
          let value = attached.first == UInt8(ascii: "=") ? attached.dropFirst() : attached
          raw.output = String(Substring(value))
        }
        raw.outputShortFlag = flag
      } else {
        rest.append(argument)
      }
      index += 1
    }
    return (raw, rest)
  }

  /// Whether `argument` is the short option `-X` (alone or with its value attached).
  private static func isShort(_ argument: String, _ short: UInt8) -> Bool {
    var bytes = argument.utf8.makeIterator()
    return bytes.next() == UInt8(ascii: "-") && bytes.next() == short
  }

  private static func match(_ argument: String, _ names: GlobalOptionNames) -> Name? {
    let flag = argument.utf8.split(
      separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)[0]
    let name = flag.dropFirst(2)
    if name.elementsEqual(names.home.utf8) { return .home }
    if name.elementsEqual(names.instanceID.utf8) { return .instanceID }
    if name.elementsEqual(names.lockTimeout.utf8) { return .lockTimeout }
    if name.elementsEqual(names.output.utf8) { return .output }
    if name.elementsEqual(names.store.utf8) { return .store }
    return nil
  }

  /// The output format alone, resolved leniently so that even a bad command line can be
  /// answered in the format the caller asked for. A value that is neither `text` nor `json`
  /// counts as `json`: whoever asked for a format other than text (often a program, through
  /// the variable) reads an envelope more easily than an error line, and
  /// ``outputFailure(_:environment:tool:names:)`` also puts the line on standard error.
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
    output(raw, environment: environment, tool: tool, names: names).format
  }

  /// The output format, leniently as ``outputFormat(_:environment:tool:names:)``, and the
  /// failure for a value that is neither `text` nor `json`: one look at the flag and the
  /// variable for both.
  static func output(
    _ raw: Raw, environment: EnvironmentLookup, tool: ToolIdentity, names: GlobalOptionNames
  ) -> (format: OutputFormat, failure: CommandFailure?) {
    guard let given = given(.output, raw, environment, tool, names) else { return (.text, nil) }
    if let format = OutputFormat(rawValue: given.text) { return (format, nil) }
    var failure = CommandFailure.usage(
      "invalid output format \(InstanceID.quoted(given.text)) in \(given.place): use text or json")
    failure.fixRequired = given.fix("text or json", unsetMeans: "the default, text")
    return (.json, failure)
  }

  /// Where a global option's value came from: its flag, or its environment variable.
  struct Given {
    /// The value.
    var text: String
    /// Whether it came from the flag rather than the variable.
    var fromFlag: Bool
    /// The option.
    var option: Name
    /// The tool's names for the options.
    var names: GlobalOptionNames
    /// The short flag it was given by (`-o`), if it was.
    var shortFlag: String?
    /// The tool, whose prefix the variable has.
    var tool: ToolIdentity

    /// The flag as typed (`--output`, `-o`), or `nil` when the value came from the variable.
    /// Spelled only for a message: the start-up path never needs it.
    var flag: String? { fromFlag ? shortFlag ?? names.flag(option) : nil }

    /// The environment variable the option falls back to.
    var variable: String { names.environmentVariable(option, tool: tool) }

    /// Where the value was, for a message: `--lock-timeout`, or `the environment variable
    /// TANDEM_LOCK_TIMEOUT`.
    var place: String { flag ?? "the environment variable \(variable)" }

    /// What to do about an invalid value: pass the flag something else, or set the variable
    /// to something else or unset it.
    func fix(_ expected: String, unsetMeans: String) -> String {
      if let flag { return "pass \(flag) \(expected)" }
      return "set \(variable) to \(expected), or unset it for \(unsetMeans)"
    }
  }

  /// The value of `name` and where it came from: the flag, else the variable unless it is
  /// empty.
  static func given(
    _ name: Name, _ raw: Raw, _ environment: EnvironmentLookup, _ tool: ToolIdentity,
    _ names: GlobalOptionNames
  ) -> Given? {
    if let flag = raw[name] {
      return Given(
        text: flag, fromFlag: true, option: name, names: names,
        shortFlag: name == .output ? raw.outputShortFlag : nil, tool: tool)
    }
    if let text = environment[names.environmentVariable(name, tool: tool)], !text.isEmpty {
      return Given(text: text, fromFlag: false, option: name, names: names, shortFlag: nil, tool: tool)
    }
    return nil
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
    let (output, invalidOutput) = Self.output(raw, environment: environment, tool: tool, names: names)
    if let invalidOutput { throw invalidOutput }
    let home = try resolveHome(raw, environment: environment, tool: tool, names: names)
    var instance: InstanceID?
    if let given = given(.instanceID, raw, environment, tool, names) {
      do throws(StateError) {
        instance = try InstanceID(given.text)
      } catch {
        var failure = CommandFailure(error)
        failure.message =
          "invalid instance id \(InstanceID.quoted(given.text)) in \(given.place): " + InstanceID.rule
        failure.fixRequired =
          given.fix("an instance id matching \(InstanceID.pattern)", unsetMeans: "the shared namespace")
        throw failure
      }
    }
    var timeout = Result<LockTimeout, CommandFailure>.success(.default)
    if let given = given(.lockTimeout, raw, environment, tool, names) {
      do throws(StateError) {
        timeout = .success(try LockTimeout(parsing: given.text))
      } catch {
        // Parsed again, on this path alone, for the message that names where the value was.
        var named = error
        do throws(StateError) {
          _ = try LockTimeout(parsing: given.text, option: given.place)
        } catch {
          named = error
        }
        var failure = CommandFailure(named)
        failure.fixRequired = given.fix(
          "a duration such as 5s", unsetMeans: "the default, \(LockTimeout.default)")
        timeout = .failure(failure)
      }
    }
    return GlobalOptions(
      home: home, instanceID: instance, lockTimeout: timeout, output: output,
      store: store(raw, environment: environment, tool: tool, names: names))
  }

  /// The store URL: the flag, else the variable. Empty is the home's files (`nil`), as when
  /// neither is set, so that `--store ""` overrides the variable.
  static func store(
    _ raw: Raw, environment: EnvironmentLookup, tool: ToolIdentity, names: GlobalOptionNames
  ) -> String? {
    guard let text = raw.store ?? environment[names.environmentVariable(.store, tool: tool)], !text.isEmpty
    else { return nil }
    return text
  }

  /// The home: the flag, else the variable unless it is empty, else the tool's default. An
  /// empty flag is refused; a leading `~` is expanded from `HOME` (`~` and `~/...`) or
  /// refused (`~user`), since no shell expanded it.
  private static func resolveHome(
    _ raw: Raw, environment: EnvironmentLookup, tool: ToolIdentity, names: GlobalOptionNames
  ) throws(CommandFailure) -> StateHome {
    if raw.home?.isEmpty == true {
      var failure = CommandFailure.usage(
        "\(names.flag(.home)) is empty: give it a directory, or leave it out for the default home, "
          + GlobalOptionsHelp.defaultHome(of: tool))
      failure.fixRequired = "pass \(names.flag(.home)) DIR, or leave \(names.flag(.home)) out"
      throw failure
    }
    guard let given = given(.home, raw, environment, tool, names) else {
      do throws(StateError) {
        return try StateHome.resolve(tool: tool, explicit: nil, lookup: environment.value)
      } catch {
        throw CommandFailure(error, tool: tool, names: names, context: nil)
      }
    }
    guard given.text.utf8.first == UInt8(ascii: "~") else { return StateHome(path: given.text, tool: tool) }
    return StateHome(path: try expandTilde(given, home: environment["HOME"], tool: tool), tool: tool)
  }

  /// `~` and `~/rest` with `HOME` put in front; anything else that starts with `~` refused.
  private static func expandTilde(_ given: Given, home: String?, tool: ToolIdentity) throws(CommandFailure)
    -> String
  {
    let unset = "the default home, " + GlobalOptionsHelp.defaultHome(of: tool)
    let rest = given.text.utf8.dropFirst()
    let quoted = InstanceID.quoted(given.text)
    guard rest.isEmpty || rest.first == UInt8(ascii: "/") else {
      var failure = CommandFailure.usage(
        "the home \(quoted) in \(given.place) starts with ~, which no shell expanded: "
          + "only ~ and ~/ (this user's HOME) are expanded here, not ~user")
      failure.fixRequired = given.fix("the home's full path", unsetMeans: unset)
      throw failure
    }
    guard let home, !home.isEmpty else {
      var failure = CommandFailure.usage(
        "the home \(quoted) in \(given.place) starts with ~, which no shell expanded, and HOME is not set "
          + "to expand it")
      failure.fixRequired = given.fix("the home's full path", unsetMeans: unset)
      throw failure
    }
    let base = home.utf8.count > 1 && home.utf8.last == UInt8(ascii: "/") ? String(home.dropLast()) : home
    return base + String(Substring(rest))
  }
}
