import MCP
import TandemCLI
import TandemState

/// One MCP tool: a `tandem` command, its input schema made from the command's manifest
/// entry, and the translation of a call's arguments back into the command line.
///
/// Every flag of the entry becomes a property, its name with anything but letters, digits
/// and `_` replaced by `_` (`if-revision` → `if_revision`, the positional `key=value` →
/// `key_value`), which every MCP client accepts as a property name. Left out are the
/// flags the server sets itself or that serve a person at a terminal (``omittedFlags``).
struct ToolDefinition: Sendable {
  /// One input property and the flag it stands for.
  struct Parameter: Sendable, Equatable {
    /// The property's name in the input schema.
    var property: String
    /// The manifest's flag.
    var flag: ManifestFlag
  }

  /// The MCP tool's name, e.g. `config_set`.
  let name: String
  /// The command's manifest entry.
  let command: ManifestCommand
  /// The input properties, in the manifest's order.
  let parameters: [Parameter]

  /// Flags a tool does not take: the output format (always JSON here), and help and version.
  static let omittedFlags: Set<String> = ["output", "help", "version"]

  /// The tool `name` for `command`.
  ///
  /// - Throws: ``ManifestError`` if two flags would get the same property name.
  init(name: String, command: ManifestCommand) throws(ManifestError) {
    var parameters: [Parameter] = []
    for flag in command.flags where !Self.omittedFlags.contains(flag.name) {
      let property = Self.propertyName(flag.name)
      guard !parameters.contains(where: { $0.property == property }) else {
        throw ManifestError("flags of \(command.path) collide as the property \(property)")
      }
      parameters.append(Parameter(property: property, flag: flag))
    }
    self.name = name
    self.command = command
    self.parameters = parameters
  }

  /// `if-revision` → `if_revision`.
  static func propertyName(_ flag: String) -> String {
    let kept = flag.unicodeScalars.map { scalar -> Unicode.Scalar in
      ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        ? scalar : "_"
    }
    return String(String.UnicodeScalarView(kept))
  }

  /// The tool as `tools/list` describes it.
  var tool: Tool {
    var properties: [String: Value] = [:]
    for parameter in parameters { properties[parameter.property] = Self.schema(of: parameter.flag) }
    let required = parameters.filter(\.flag.required).map { Value.string($0.property) }
    let schema: Value = .object([
      "type": "object",
      "properties": .object(properties),
      "required": .array(required),
      "additionalProperties": false,
    ])
    return Tool(
      name: name, description: command.description, inputSchema: schema,
      annotations: Tool.Annotations(
        readOnlyHint: command.dangerLevel == "safe", destructiveHint: command.dangerLevel == "destructive"))
  }

  /// The JSON Schema of one flag's value.
  static func schema(of flag: ManifestFlag) -> Value {
    var schema: [String: Value] = ["description": .string(flag.description)]
    switch flag.type {
    case "array":
      schema["type"] = "array"
      schema["items"] = .object(["type": "string"])
    case "enum":
      schema["type"] = "string"
      schema["enum"] = .array(flag.enumValues.map(Value.string))
    default:
      schema["type"] = .string(flag.type)
    }
    if let value = flag.defaultValue { schema["default"] = Value(value) }
    return .object(schema)
  }

  /// The command line for a call: the command's words, `--output=json`, the options as
  /// `--name=value` (so that a value starting with `-` stays a value), then the positional
  /// arguments after `--` (so that none is taken for an option).
  ///
  /// - Throws: an `INVALID_ARGUMENT` failure (exit 2) for a property the tool does not
  ///   have, a required one missing, or a value of the wrong kind. Values themselves are
  ///   checked by `tandem`, which reports them as it would on a command line.
  func commandLine(for arguments: [String: Value]) throws(CommandFailure) -> [String] {
    let known = Set(parameters.map(\.property))
    if let unknown = arguments.keys.sorted().first(where: { !known.contains($0) }) {
      throw invalid("\(name) has no argument \(InstanceID.quoted(unknown)); it takes \(propertyList)")
    }
    var options: [String] = []
    var positionals: [String] = []
    for parameter in parameters {
      let flag = parameter.flag
      guard let value = arguments[parameter.property], value != .null else {
        if flag.required { throw invalid("\(name) needs the argument \(parameter.property)") }
        continue
      }
      let texts: [String]
      switch (flag.type, value) {
      case ("boolean", .bool(let on)):
        if on { options.append("--" + flag.name) }
        continue
      case ("boolean", _):
        throw invalid("\(name): \(parameter.property) must be true or false")
      case ("array", .array(let elements)):
        let converted = elements.compactMap(\.argumentText)
        guard converted.count == elements.count else {
          throw invalid("\(name): \(parameter.property) must be a list of strings")
        }
        texts = converted
      case (_, _):
        // A single value for a list is a list of one: what the caller meant is plain.
        guard let text = value.argumentText else {
          throw invalid("\(name): \(parameter.property) must be one value")
        }
        texts = [text]
      }
      if flag.isPositional {
        positionals += texts
      } else {
        options += texts.map { "--\(flag.name)=\($0)" }
      }
    }
    var line = command.words + ["--output=json"] + options
    if !positionals.isEmpty { line += ["--"] + positionals }
    return line
  }

  private var propertyList: String {
    parameters.isEmpty ? "no arguments" : parameters.map(\.property).joined(separator: ", ")
  }

  private func invalid(_ message: String) -> CommandFailure {
    var failure = CommandFailure.usage(message)
    failure.fixRequired = "correct the arguments; tools/list gives \(name)'s input schema"
    return failure
  }
}
