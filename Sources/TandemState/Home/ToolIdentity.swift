/// Who a tool built on the framework is: its name, the prefix of its environment variables,
/// and where its state home is by default.
///
/// A tool states its identity once; every name the framework derives from it follows:
/// the home (`~/.NAME` or the platform's configuration directory), the environment variables
/// (`PREFIX_HOME`, `PREFIX_HELD_LOCKS`, ...), the format tags of its documents
/// (`NAME.config/1`). Two tools with different identities in the same `HOME` therefore never
/// read, lock or overwrite each other's state.
///
/// ```swift
/// let identity = ToolIdentity(name: "notes", environmentPrefix: "NOTES", home: .platformDefault)
/// ```
public struct ToolIdentity: Hashable, Sendable {
  /// Where a tool's state home is when neither an option nor its `PREFIX_HOME` variable says.
  public enum HomeLocation: Hashable, Sendable {
    /// `~/.NAME`, the classic Unix convention (`~/.ssh`, `~/.aws`, `~/.docker`).
    case dotDirectory
    /// The platform's directory for per-user configuration: `$XDG_CONFIG_HOME/NAME`, else
    /// `~/.config/NAME`, on Linux (the XDG Base Directory convention, as `gh` and `git` use).
    case platformDefault
  }

  /// The tool's name as users type it, e.g. `tandem`: lower-case letters, digits and `-`.
  public let name: String
  /// The prefix of the tool's environment variables, e.g. `TANDEM` for `TANDEM_HOME`:
  /// upper-case letters, digits and `_`.
  public let environmentPrefix: String
  /// Where the home is by default.
  public let homeLocation: HomeLocation

  /// An identity. `environmentPrefix` defaults to the name in upper case, with `-` as `_`.
  ///
  /// The values are the tool author's constants, so an invalid one is a programming error
  /// and stops the tool at once rather than naming files and variables wrongly.
  public init(name: String, environmentPrefix: String? = nil, home: HomeLocation = .dotDirectory) {
    let prefix =
      environmentPrefix
      ?? String(
        decoding: name.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : uppercased($0) },
        as: UTF8.self)
    precondition(
      Self.isValidName(name), "a tool name is lower-case letters, digits and '-', starting with a letter")
    precondition(
      Self.isValidPrefix(prefix),
      "an environment prefix is upper-case letters, digits and '_', starting with a letter")
    self.name = name
    self.environmentPrefix = prefix
    self.homeLocation = home
  }

  /// The environment variable `PREFIX_SUFFIX`, e.g. `TANDEM_HOME` for `"HOME"`.
  public func environmentVariable(_ suffix: String) -> String { environmentPrefix + "_" + suffix }

  /// The variable that overrides the default home: `PREFIX_HOME`.
  public var homeVariable: String { environmentVariable("HOME") }

  /// The variable through which a lock holder passes its locks down to the processes it
  /// starts (see ``InheritedLocks``): `PREFIX_HELD_LOCKS`.
  public var heldLocksVariable: String { environmentVariable("HELD_LOCKS") }

  /// The variable that tells a credential helper which account to refresh: `PREFIX_ACCOUNT`.
  public var accountVariable: String { environmentVariable("ACCOUNT") }

  /// The format tag of one kind of document, e.g. `tandem.config/1`.
  public func documentFormat(_ kind: String, version: Int) -> String { "\(name).\(kind)/\(version)" }

  /// The default home for a user whose environment is `environment`, or `nil` when `HOME`
  /// (needed by every location) is not set.
  public func defaultHome(environment: [String: String]) -> String? {
    defaultHome(lookup: { environment[$0] })
  }

  /// ``defaultHome(environment:)`` with the variables read through `lookup`, so that a tool's
  /// start-up reads the two it needs without copying the environment.
  package func defaultHome(lookup: (String) -> String?) -> String? {
    switch homeLocation {
    case .dotDirectory:
      guard let home = lookup("HOME"), !home.isEmpty else { return nil }
      return Self.join(home, "." + name)
    case .platformDefault:
      // The XDG specification: a relative XDG_CONFIG_HOME is invalid and is ignored.
      if let config = lookup("XDG_CONFIG_HOME"), config.hasPrefix("/") { return Self.join(config, name) }
      guard let home = lookup("HOME"), !home.isEmpty else { return nil }
      return Self.join(Self.join(home, ".config"), name)
    }
  }

  private static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  static func isValidName(_ name: String) -> Bool {
    guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
      return false
    }
    return name.utf8.allSatisfy { byte in
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        || byte == UInt8(ascii: "-")
    }
  }

  static func isValidPrefix(_ prefix: String) -> Bool {
    guard let first = prefix.utf8.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else {
      return false
    }
    return prefix.utf8.allSatisfy { byte in
      (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        || byte == UInt8(ascii: "_")
    }
  }
}

private func uppercased(_ byte: UInt8) -> UInt8 {
  (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte
}
