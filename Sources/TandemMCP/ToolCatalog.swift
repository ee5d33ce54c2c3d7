import TandemState

/// The tools the server offers, made from a `tandem manifest`: the commands an agent needs
/// for shared configuration, locks and tokens, and none that needs a terminal (`auth login`
/// reads a secret from standard input; `lock run` and `run` start other programs).
struct ToolCatalog: Sendable {
  /// Each tool's name and the dotted path of the command it runs.
  static let exposed: [(tool: String, command: String)] = [
    ("config_get", "config.get"),
    ("config_set", "config.set"),
    ("config_list", "config.list"),
    ("config_unset", "config.unset"),
    ("lock_status", "lock.status"),
    ("auth_token", "auth.token"),
  ]

  /// The tool's version as the manifest gives it (`framework_version`).
  let version: String
  /// The tools, in the order of ``exposed``.
  let definitions: [ToolDefinition]

  /// The catalog for the envelope that `tandem manifest --output json` printed.
  ///
  /// - Throws: ``ManifestError`` if it is not a successful envelope, or lacks a command.
  init(manifestEnvelope bytes: [UInt8]) throws(ManifestError) {
    guard let envelope = try? JSONParser.parse(bytes) else {
      throw ManifestError("tandem manifest did not print a JSON envelope")
    }
    guard envelope["ok"]?.boolValue == true, let manifest = envelope["data"] else {
      let message = envelope["error"]?["message"]?.stringValue ?? "no data"
      throw ManifestError("tandem manifest failed: \(message)")
    }
    try self.init(manifest: manifest)
  }

  /// The catalog for a manifest (the envelope's `data`).
  init(manifest: JSONValue) throws(ManifestError) {
    guard let commands = manifest["commands"], case .object = commands else {
      throw ManifestError("the manifest has no commands map")
    }
    var definitions: [ToolDefinition] = []
    for (tool, path) in Self.exposed {
      guard let entry = commands[path] else {
        throw ManifestError(
          "the manifest has no command \(path): tandem-mcp and tandem are of different versions")
      }
      definitions.append(try ToolDefinition(name: tool, command: ManifestCommand(path: path, entry: entry)))
    }
    self.version = manifest["framework_version"]?.stringValue ?? "0"
    self.definitions = definitions
  }

  /// The tool called `name`, if the server has it.
  func definition(named name: String) -> ToolDefinition? {
    definitions.first { $0.name == name }
  }
}
