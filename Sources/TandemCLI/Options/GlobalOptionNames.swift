public import TandemState

/// The names of a tool's global options, so that they fit around the tool's own options.
///
/// A tool whose `export` command has an `--output FILE` of its own names the output-format
/// option something else:
///
/// ```swift
/// static let globalOptionNames = GlobalOptionNames(output: "format", outputShort: "f")
/// ```
///
/// The output format also has a one-letter name, `-o` by default (`tandem -o json config
/// list`, as in kubectl); `nil` gives it none.
///
/// Each option falls back to the environment variable named after it with the tool's prefix
/// (`--format` → `NOTES_FORMAT`, `--instance-id` → `TANDEM_INSTANCE_ID`). ``CommandLineTool``
/// checks at start-up that no command of the tool declares one of these names.
public struct GlobalOptionNames: Sendable, Equatable {
  /// The state home's option, without the dashes (default `home`).
  public var home: String
  /// The instance id's option (default `instance-id`).
  public var instanceID: String
  /// The lock timeout's option (default `lock-timeout`).
  public var lockTimeout: String
  /// The output format's option (default `output`).
  public var output: String
  /// The output format's short option, without the dash (default `o`, for `-o json`), or
  /// `nil` for none.
  public var outputShort: Character?
  /// The store URL's option (default `store`).
  public var store: String

  /// Names for the global options; each is a long option name without the dashes:
  /// lower-case letters, digits and `-`. `outputShort` is one ASCII letter or digit.
  public init(
    home: String = "home", instanceID: String = "instance-id", lockTimeout: String = "lock-timeout",
    output: String = "output", outputShort: Character? = "o", store: String = "store"
  ) {
    self.home = home
    self.instanceID = instanceID
    self.lockTimeout = lockTimeout
    self.output = output
    self.outputShort = outputShort
    self.store = store
  }

  /// `--home`, `--instance-id`, `--lock-timeout`, `--output` (also `-o`), `--store`.
  public static let standard = GlobalOptionNames()

  /// The name given to `option`.
  public func name(of option: GlobalOptions.Name) -> String {
    switch option {
    case .home: return home
    case .instanceID: return instanceID
    case .lockTimeout: return lockTimeout
    case .output: return output
    case .store: return store
    }
  }

  /// The flag of `option`, e.g. `--instance-id`.
  public func flag(_ option: GlobalOptions.Name) -> String { "--" + name(of: option) }

  /// The short flag of `option`, e.g. `-o`, when it has one.
  public func shortFlag(_ option: GlobalOptions.Name) -> String? {
    guard option == .output, let outputShort else { return nil }
    return "-" + String(outputShort)
  }

  /// The environment variable `option` falls back to: the tool's prefix and the option's
  /// name in upper case, e.g. `TANDEM_INSTANCE_ID`.
  public func environmentVariable(_ option: GlobalOptions.Name, tool: ToolIdentity) -> String {
    // The standard names without the byte-by-byte conversion: this runs at every start.
    switch option {
    case .home where home == "home": return tool.environmentVariable("HOME")
    case .instanceID where instanceID == "instance-id": return tool.environmentVariable("INSTANCE_ID")
    case .lockTimeout where lockTimeout == "lock-timeout": return tool.environmentVariable("LOCK_TIMEOUT")
    case .output where output == "output": return tool.environmentVariable("OUTPUT")
    case .store where store == "store": return tool.environmentVariable("STORE")
    default: break
    }
    let suffix = name(of: option).utf8.map { byte -> UInt8 in
      if byte == UInt8(ascii: "-") { return UInt8(ascii: "_") }
      return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte
    }
    return tool.environmentVariable(String(decoding: suffix, as: UTF8.self))
  }

  /// What is wrong with these names (an invalid name, two options with one name), or `nil`.
  public var problem: String? {
    let all = GlobalOptions.Name.allCases.map { name(of: $0) }
    for name in all where !Self.isOptionName(name) {
      return "the global option name \"\(name)\" is not a long option name (lower-case letters, digits and -)"
    }
    for (index, name) in all.enumerated() where all[..<index].contains(name) {
      return "two global options are both named --\(name)"
    }
    if let outputShort, !Self.isShortOptionName(outputShort) {
      return "the short name \"\(outputShort)\" of --\(output) is not one ASCII letter or digit"
    }
    return nil
  }

  /// Whether `name` can be a short option: one ASCII letter or digit.
  static func isShortOptionName(_ name: Character) -> Bool {
    guard let ascii = name.asciiValue else { return false }
    return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(ascii)
      || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(ascii)
      || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(ascii)
  }

  /// Whether `name` can be a long option: lower-case letters, digits and `-`, not starting
  /// with `-`.
  static func isOptionName(_ name: String) -> Bool {
    guard let first = name.utf8.first, first != UInt8(ascii: "-") else { return false }
    return name.utf8.allSatisfy { byte in
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        || byte == UInt8(ascii: "-")
    }
  }
}
