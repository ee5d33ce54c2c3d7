import TandemState

/// One command of a tool's manifest (`TOOL manifest`, the CLI Agent Spec's
/// `ManifestResponse`), as much of it as an MCP tool needs: what it does, how much it
/// changes, and its flags in the order the manifest lists them.
struct ManifestCommand: Sendable, Equatable {
  /// The command's dotted path, e.g. `config.set`.
  var path: String
  /// One sentence on what it does.
  var description: String
  /// `safe`, `mutating` or `destructive`.
  var dangerLevel: String
  /// Its flags and positional arguments, in the manifest's order (positional arguments in
  /// the order the command takes them).
  var flags: [ManifestFlag]

  /// The words of the command line, e.g. `["config", "set"]`.
  var words: [String] { path.split(separator: ".").map(String.init) }

  /// Reads the entry `path` of a manifest's `commands` map.
  ///
  /// - Throws: ``ManifestError`` naming what is missing or malformed.
  init(path: String, entry: JSONValue) throws(ManifestError) {
    guard case .object = entry else { throw ManifestError("command \(path) is not an object") }
    guard let description = entry["description"]?.stringValue,
      let danger = entry["danger_level"]?.stringValue
    else { throw ManifestError("command \(path) has no description or danger_level") }
    guard case .object(let members) = entry["flags"] ?? .null else {
      throw ManifestError("command \(path) has no flags map")
    }
    var flags: [ManifestFlag] = []
    for (name, flag) in members { flags.append(try ManifestFlag(name: name, entry: flag, command: path)) }
    self.init(path: path, description: description, dangerLevel: danger, flags: flags)
  }

  /// A command from its parts.
  init(path: String, description: String, dangerLevel: String, flags: [ManifestFlag]) {
    self.path = path
    self.description = description
    self.dangerLevel = dangerLevel
    self.flags = flags
  }
}

/// One flag or positional argument of a ``ManifestCommand`` (the spec's `FlagEntry`).
struct ManifestFlag: Sendable, Equatable {
  /// The flag's name without dashes (`if-revision`), or a positional argument's value name.
  var name: String
  /// `string`, `integer`, `number`, `boolean`, `array` or `enum`.
  var type: String
  /// Whether the command needs it.
  var required: Bool
  /// What it controls; a positional argument's starts with "Positional".
  var description: String
  /// The value used when it is omitted, if any.
  var defaultValue: JSONValue?
  /// The accepted values of an `enum`.
  var enumValues: [String]

  /// A positional argument: given without a flag name, after the options.
  var isPositional: Bool { description.hasPrefix("Positional") }

  init(name: String, entry: JSONValue, command: String) throws(ManifestError) {
    guard let type = entry["type"]?.stringValue, let required = entry["required"]?.boolValue,
      let description = entry["description"]?.stringValue
    else { throw ManifestError("flag \(name) of \(command) lacks a type, required or description") }
    guard Self.types.contains(type) else {
      throw ManifestError("flag \(name) of \(command) has an unknown type \(type)")
    }
    var values: [String] = []
    if case .array(let list) = entry["enum_values"] ?? .null { values = list.compactMap(\.stringValue) }
    self.init(
      name: name, type: type, required: required, description: description, defaultValue: entry["default"],
      enumValues: values)
  }

  init(
    name: String, type: String, required: Bool, description: String, defaultValue: JSONValue? = nil,
    enumValues: [String] = []
  ) {
    self.name = name
    self.type = type
    self.required = required
    self.description = description
    self.defaultValue = defaultValue
    self.enumValues = enumValues
  }

  /// The flag types of the manifest schema.
  static let types: Set<String> = ["string", "integer", "number", "boolean", "array", "enum"]
}

/// A manifest that does not have what the MCP server needs.
package struct ManifestError: Error, Sendable, CustomStringConvertible {
  /// What is wrong, naming the command or flag.
  package var description: String

  init(_ description: String) { self.description = description }
}
