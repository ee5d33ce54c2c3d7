import MCP
import TandemCLI
import TandemState
import TandemTestSupport
import Testing

@testable import TandemMCP

@Suite("tool definitions: input schemas from the manifest, arguments back to a command line")
struct ToolDefinitionTests {
  private func sample() throws -> ToolDefinition {
    try ToolDefinition(
      name: "sample",
      command: ManifestCommand(path: "sample.every-type", entry: ManifestFixture.entry("sample.every-type")))
  }

  @Test("the fixture is a valid ManifestResponse")
  func fixtureIsValid() throws {
    let schema = try #require(JSONSchema.manifest, "the spec's manifest schema beside the repository")
    #expect(schema.problems(text: try ManifestFixture.text()) == [])
  }

  @Test("every flag type becomes its JSON Schema; output, help and version are left out")
  func schemaOfEveryType() throws {
    let tool = try sample().tool
    #expect(tool.name == "sample" && tool.description == "A command with a flag of every type.")
    let schema = try #require(tool.inputSchema.objectValue)
    #expect(schema["type"] == "object" && schema["additionalProperties"] == false)
    let properties = try #require(schema["properties"]?.objectValue)
    #expect(
      Set(properties.keys) == [
        "source", "targets", "count", "ratio", "force", "tag", "mode", "label", "home", "instance_id",
        "lock_timeout",
      ])
    #expect(
      properties["source"]
        == .object(["type": "string", "description": "Positional argument <source>. Where from."]))
    #expect(
      properties["targets"]
        == .object([
          "type": "array", "items": .object(["type": "string"]),
          "description": "Positional argument <targets> .... Where to.",
        ]))
    #expect(properties["count"] == .object(["type": "integer", "description": "How many.", "default": 3]))
    #expect(properties["ratio"] == .object(["type": "number", "description": "How much.", "default": 0.5]))
    #expect(
      properties["force"] == .object(["type": "boolean", "description": "Do it anyway.", "default": false]))
    #expect(
      properties["mode"] == .object(["type": "string", "enum": ["fast", "safe"], "description": "How."]))
    #expect(
      properties["lock_timeout"]?.objectValue?["description"]
        == "Global option. How long writes wait for a lock.")
    #expect(Set(schema["required"]?.arrayValue ?? []) == ["source", "mode"])
    #expect(tool.annotations.readOnlyHint == false && tool.annotations.destructiveHint == false)
  }

  @Test("danger levels become the read-only and destructive hints")
  func annotations() throws {
    let catalog = try ToolCatalog(manifest: ManifestFixture.manifest())
    let hints = Dictionary(
      uniqueKeysWithValues: catalog.definitions.map {
        ($0.name, [$0.tool.annotations.readOnlyHint, $0.tool.annotations.destructiveHint])
      })
    #expect(hints["config_get"] == [true, false] && hints["config_list"] == [true, false])
    #expect(hints["config_set"] == [false, false] && hints["config_unset"] == [false, true])
    #expect(catalog.definitions.map(\.name) == ToolCatalog.exposed.map(\.tool))
    #expect(catalog.version == "9.8.7")
  }

  @Test("options as --name=value, booleans as bare flags, positionals in order after --")
  func commandLine() throws {
    let line = try sample().commandLine(for: [
      "targets": ["-x", "b=c"], "source": "--from", "count": 4, "ratio": 1.5, "force": true,
      "tag": ["a", "-b"],
      "mode": "fast", "instance_id": "agent-1", "lock_timeout": "250ms",
    ])
    #expect(
      line == [
        "sample", "every-type", "--output=json", "--count=4", "--ratio=1.5", "--force", "--tag=a", "--tag=-b",
        "--mode=fast", "--instance-id=agent-1", "--lock-timeout=250ms", "--", "--from", "-x", "b=c",
      ])
    // Absent, null and false leave a flag out; an integral number is an integer.
    let short = try sample().commandLine(for: [
      "source": "s", "mode": "safe", "force": false, "label": .null, "count": 7.0,
    ])
    #expect(short == ["sample", "every-type", "--output=json", "--count=7", "--mode=safe", "--", "s"])
    // One value for a list is a list of one.
    #expect(
      try sample().commandLine(for: ["source": "s", "mode": "safe", "tag": "t"])
        == ["sample", "every-type", "--output=json", "--tag=t", "--mode=safe", "--", "s"])
    let set = try ToolCatalog(manifest: ManifestFixture.manifest()).definition(named: "config_set")
    #expect(
      try set?.commandLine(for: ["key_value": ["a=1", "b=-2"], "if_revision": 3])
        == ["config", "set", "--output=json", "--if-revision=3", "--", "a=1", "b=-2"])
  }

  @Test("an unknown, missing or mistyped argument is INVALID_ARGUMENT, exit 2, before tandem runs")
  func invalidArguments() throws {
    let definition = try sample()
    let cases: [([String: Value], String)] = [
      (["source": "s", "mode": "fast", "colour": "red"], "sample has no argument \"colour\""),
      (["mode": "fast"], "sample needs the argument source"),
      (["source": "s", "mode": "fast", "force": "yes"], "force must be true or false"),
      (["source": ["s"], "mode": "fast"], "source must be one value"),
      (["source": "s", "mode": "fast", "label": .object([:])], "label must be one value"),
      (["source": "s", "mode": "fast", "tag": [["nested"]]], "tag must be a list of strings"),
    ]
    for (arguments, message) in cases {
      #expect {
        try definition.commandLine(for: arguments)
      } throws: { error in
        let failure = error as? CommandFailure
        return failure?.code == "INVALID_ARGUMENT" && failure?.exitCode == .argumentError
          && failure?.message.contains(message) == true && failure?.retryable == false
      }
    }
  }

  @Test("a manifest without one of the tools' commands, or with colliding flags, is refused")
  func badManifests() throws {
    var manifest = try ManifestFixture.manifest()
    if case .object(var members) = manifest, let index = members.firstIndex(where: { $0.0 == "commands" }),
      case .object(var commands) = members[index].1
    {
      commands.removeAll { $0.0 == "auth.token" }
      members[index].1 = .object(commands)
      manifest = .object(members)
    }
    #expect(throws: ManifestError.self) { try ToolCatalog(manifest: manifest) }
    let colliding = ManifestCommand(
      path: "a.b", description: "d", dangerLevel: "safe",
      flags: [
        ManifestFlag(name: "if-revision", type: "string", required: false, description: "one"),
        ManifestFlag(name: "if_revision", type: "string", required: false, description: "two"),
      ])
    #expect(throws: ManifestError.self) { try ToolDefinition(name: "ab", command: colliding) }
  }
}
