import ArgumentParser
package import TandemState

/// The manifest: a tool's whole command tree in one JSON document, for agents (the CLI
/// Agent Spec's `ManifestResponse`). Generated from the swift-argument-parser tree, each
/// command's ``CommandContract`` and the ``ErrorCatalog``; never written by hand.
package enum Manifest {
  /// The `schema_version` of the manifest's shape.
  package static let schemaVersion = "1.0"
  /// The built-in command's name, answered by every tool built on TandemCLI.
  package static let commandName = "manifest"
  /// What the built-in command does, for help and for its own entry.
  static let abstract = "Print the whole command tree as JSON (in every output mode), for agents."

  /// The manifest of `Root`: `schema_version`, `framework_version`, `etag`, `commands`.
  package static func build<Root: TandemTool>(_ root: Root.Type) -> JSONValue {
    let commands = Self.commands(root)
    return .object([
      ("schema_version", .string(schemaVersion)),
      ("framework_version", .string(Root.configuration.version.isEmpty ? "0" : Root.configuration.version)),
      ("etag", .string(etag(of: commands))),
      ("commands", commands),
    ])
  }

  /// The `commands` map: every command by its dotted path, the built-in `help` and
  /// `manifest` among them.
  static func commands<Root: TandemTool>(_ root: Root.Type) -> JSONValue {
    let tree = CommandTree(root)
    let tool = Root.identity
    let names = Root.globalOptionNames
    let globals = GlobalOptionsHelp.entries(tool: tool, names: names).map { entry -> (String, JSONValue) in
      var members: [(String, JSONValue)] = []
      if entry.option == .output {
        members.append(("type", .string("enum")))
      } else {
        members.append(("type", .string("string")))
      }
      members += [("required", .bool(false)), ("description", .string("Global option. " + entry.text))]
      if entry.option == .output {
        members.append(("default", .string(OutputFormat.text.rawValue)))
        members.append(("enum_values", .array(OutputFormat.allCases.map { .string($0.rawValue) })))
        if let short = names.outputShort { members.append(("short", .string(String(short)))) }
      }
      return (names.name(of: entry.option), .object(members))
    }
    var entries: [(String, JSONValue)] = []
    for node in tree.allNodes where !node.path.isEmpty {
      entries.append((node.path.joined(separator: "."), entry(node, tool: tool.name, globals: globals)))
    }
    entries.append((commandName, builtInEntry(tool: tool.name, globals: globals)))
    return .object(entries)
  }

  /// `etag`: a hash of the `commands` map, so that it changes exactly when a command, flag,
  /// exit code or example does (and not with the version alone).
  static func etag(of commands: JSONValue) -> String {
    // FNV-1a, 64 bits: stable across runs and platforms, which Swift's `Hasher` is not.
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in JSONWriter.compactUTF8(commands) {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for shift in stride(from: 60, through: 0, by: -4) {
      text.append(digits[Int((hash >> UInt64(shift)) & 0xF)])
    }
    return String(decoding: text, as: UTF8.self)
  }

  private static func entry(_ node: CommandTree.Node, tool: String, globals: [(String, JSONValue)])
    -> JSONValue
  {
    let contract = (node.type as? any ContractedCommand.Type)?.contract
    let isGroup = !node.children.isEmpty && node.type.map { $0 is any TandemCommand.Type } != true
    // A group only shows help; a command that declares nothing is taken to change state.
    let danger: DangerLevel = contract?.danger ?? (isGroup || node.type == nil ? .safe : .mutating)
    let types = node.type.map(ArgumentValueType.types(of:)) ?? [:]
    var flags: [(String, JSONValue)] = []
    for var argument in node.arguments {
      if argument.allValues == nil, let values = contract?.allowedValues[argument.name] {
        argument.allValues = values
      }
      flags.append((argument.name, flag(argument, type: types[argument.name])))
    }
    flags += globals
    var members: [(String, JSONValue)] = [
      ("description", .string(oneSentence(node.abstract)))
    ]
    if !node.aliases.isEmpty { members.append(("aliases", .array(node.aliases.map(JSONValue.string)))) }
    members += [
      ("danger_level", .string(danger.rawValue)),
      ("flags", .object(flags)),
      ("exit_codes", exitCodes(failures: contract?.failures ?? [], danger: danger)),
    ]
    if let examples = contract?.examples, !examples.isEmpty {
      members.append(("examples", .array(examples.map { example(tool: tool, $0) })))
    }
    if !node.children.isEmpty {
      members.append(("subcommands", .array(node.children.map { .string($0.path.joined(separator: ".")) })))
    }
    return .object(members)
  }

  private static func builtInEntry(tool: String, globals: [(String, JSONValue)]) -> JSONValue {
    .object([
      ("description", .string(abstract)),
      ("danger_level", .string(DangerLevel.safe.rawValue)),
      (
        "flags",
        .object(
          [
            (
              "etag",
              .object([
                ("type", .string("string")), ("required", .bool(false)),
                (
                  "description",
                  .string(
                    "The etag of a manifest already held: when it is still current, data is null and meta.not_modified is true."
                  )
                ),
              ])
            )
          ] + globals)
      ),
      ("exit_codes", exitCodes(failures: [], danger: .safe)),
      (
        "examples",
        .array([
          example(tool: tool, CommandExample("The whole command tree", commandName)),
          example(
            tool: tool, CommandExample("Only if it changed since the etag held", "\(commandName) --etag ETAG")
          ),
        ])
      ),
    ])
  }

  private static func flag(_ argument: CommandTree.Argument, type: ArgumentValueType?) -> JSONValue {
    var kind: ArgumentValueType
    if argument.kind == .flag {
      kind = .boolean
    } else if argument.allValues != nil {
      kind = .enum
    } else if argument.isRepeating {
      kind = .array
    } else {
      kind = type ?? .string
    }
    var description = argument.abstract
    if !argument.discussion.isEmpty { description += (description.isEmpty ? "" : " ") + argument.discussion }
    if argument.kind == .positional {
      let placeholder = "<\(argument.valueName ?? argument.name)>" + (argument.isRepeating ? " ..." : "")
      description = "Positional argument \(placeholder), given without a flag name. " + description
    }
    var members: [(String, JSONValue)] = [
      ("type", .string(kind.rawValue)),
      ("required", .bool(!argument.isOptional && argument.kind != .flag)),
      ("description", .string(description.isEmpty ? argument.name : description)),
    ]
    if argument.kind == .flag {
      members.append(("default", .bool(false)))
    } else if let value = argument.defaultValue {
      switch kind {
      case .integer: members.append(("default", Int64(value).map(JSONValue.integer) ?? .string(value)))
      case .number: members.append(("default", Double(value).map(JSONValue.double) ?? .string(value)))
      default: members.append(("default", .string(value)))
      }
    }
    if let values = argument.allValues {
      members.append(("enum_values", .array(values.map(JSONValue.string))))
    }
    if let short = argument.short, short.count == 1 { members.append(("short", .string(short))) }
    return .object(members)
  }

  private static func example(tool: String, _ example: CommandExample) -> JSONValue {
    .object([
      ("description", .string(example.description)),
      ("command", .string("\(tool) \(example.arguments)")),
    ])
  }

  /// The abstract's first sentence.
  static func oneSentence(_ text: String) -> String {
    let characters = Array(text)
    for index in characters.indices.dropLast(2)
    where characters[index] == "." && characters[index + 1] == " " && characters[index + 2].isUppercase {
      return String(characters[...index])
    }
    return text
  }
}
