import Foundation
import TandemCLI
import TandemTestSupport
import Testing

@testable import TandemCommands

/// Every write says where it went (`write_scope`, the document's absolute `path`), on the
/// hand-parsed fast route and on swift-argument-parser's alike; and a write that goes to the
/// shared document by default while other agents have namespaces in the home is warned about.
@Suite("Writes report their scope and path, and warn about default shared writes")
struct WriteScopeTests {
  /// The two routes: the fast one (the default) and the full parser.
  static let routes: [(name: String, environment: [String: String])] = [
    ("fast", [:]), ("parser", ["TANDEM_FAST_PATH": "0"]),
  ]

  @Test(
    "config set and unset: write_scope and the absolute path, for shared and instance writes, on both routes")
  func setAndUnset() throws {
    var envelopes: [(String, Int32)] = []
    for route in Self.routes {
      let home = Home()
      for (instance, scope, expected) in [
        (nil, nil, "shared"), ("agent-1", nil, "instance"), ("agent-1", "shared", "shared"),
        ("agent-1", "instance", "instance"),
      ] as [(String?, String?, String)] {
        let path = home.path + (expected == "instance" ? "/instances/agent-1" : "") + "/config.json"
        let scopeArguments = scope.map { ["--scope", $0] } ?? []
        for arguments in [
          ["config", "set", "k=v"] + scopeArguments, ["config", "unset", "k"] + scopeArguments,
        ] {
          let result = try TandemBinary.run(
            home.args(arguments, instance: instance), environment: route.environment)
          envelopes.append((result.standardOutput, result.status))
          #expect(result.status == 0, "\(route.name) \(arguments): \(result.standardOutput)")
          #expect(result.data?["write_scope"] as? String == expected, "\(route.name) \(arguments)")
          #expect(result.data?["path"] as? String == path, "\(route.name) \(arguments)")
          #expect(FileManager.default.fileExists(atPath: path))
        }
      }
      // The same document named the same way whatever the home was called: relative, with
      // `.` and doubled slashes.
      let relative = try TandemBinary.startProgram(
        "/bin/sh",
        [
          "-c", "cd \"$1\" && exec \"$2\" --home ./home//. --output json config set r=1", "sh",
          home.directory.path,
          TandemBinary.path,
        ],
        environment: route.environment
      ).wait()
      envelopes.append((relative.standardOutput, relative.status))
      #expect(
        relative.data?["path"] as? String == home.path + "/config.json",
        "\(route.name): \(relative.standardOutput)")
    }
    let problems = try SchemaValidator.validateEnvelopes(envelopes)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("each route is the one meant: write_scope and path come from the fast route and from the parser")
  func routesTaken() async throws {
    let home = Home()
    for (instance, scope, expected) in [
      (nil, nil, "shared"), ("agent-1", nil, "instance"), ("agent-1", "shared", "shared"),
    ] as [(String?, String?, String)] {
      let path = home.path + (expected == "instance" ? "/instances/agent-1" : "") + "/config.json"
      for (words, route) in [
        (["config", "set", "k=v"], "config set"), (["config", "unset", "k"], "config unset"),
      ] {
        for fast in [true, false] {
          if words[1] == "unset" {
            // Something to unset, on the other route's account.
            try home.run(
              ["config", "set", "k=v"] + (scope.map { ["--scope", $0] } ?? []), instance: instance)
          }
          let response = await CommandLineTool.invoke(
            Tandem.self,
            arguments: home.args(words + (scope.map { ["--scope", $0] } ?? []), instance: instance),
            environment: ["HOME": home.directory.path].merging(fast ? [:] : ["TANDEM_FAST_PATH": "0"]) { $1 })
          #expect(response.route == (fast ? .fast(route) : .parser), "\(words): \(response.route)")
          let envelope =
            try JSONSerialization.jsonObject(with: Data(response.standardOutput.utf8)) as? [String: Any]
          let data = envelope?["data"] as? [String: Any]
          #expect(
            data?["write_scope"] as? String == expected, "\(words) fast=\(fast): \(response.standardOutput)")
          #expect(data?["path"] as? String == path, "\(words) fast=\(fast)")
        }
      }
    }
  }

  @Test("config repair and instances remove report write_scope and the absolute path")
  func repairAndRemove() throws {
    let home = Home()
    var envelopes: [(String, Int32)] = []
    try home.run(["config", "set", "k=v"])
    try home.run(["config", "set", "k=v"], instance: "agent-1")
    for (arguments, instance, scope, path) in [
      (["config", "repair"], nil, "shared", home.path + "/config.json"),
      (["config", "repair"], "agent-1", "instance", home.path + "/instances/agent-1/config.json"),
      (["config", "repair", "--scope", "shared"], "agent-1", "shared", home.path + "/config.json"),
      (["instances", "remove", "agent-1"], nil, "instance", home.path + "/instances/agent-1"),
    ] as [([String], String?, String, String)] {
      let result = try home.run(arguments, instance: instance)
      envelopes.append((result.standardOutput, result.status))
      #expect(result.status == 0, "\(arguments): \(result.standardOutput)")
      #expect(result.data?["write_scope"] as? String == scope, "\(arguments)")
      #expect(result.data?["path"] as? String == path, "\(arguments)")
    }
    let problems = try SchemaValidator.validateEnvelopes(envelopes)
    #expect(problems.isEmpty, "\(problems)")
  }

  /// The warnings of one call, in JSON and in text mode (`warning: ` lines on stderr), with
  /// `prepare` run before each.
  private func warnings(
    _ home: Home, _ arguments: [String], instance: String? = nil, environment: [String: String],
    prepare: () throws -> Void, envelopes: inout [(String, Int32)]
  ) throws -> (json: [String], text: [String]) {
    try prepare()
    let json = try TandemBinary.run(home.args(arguments, instance: instance), environment: environment)
    envelopes.append((json.standardOutput, json.status))
    #expect(json.status == 0, "\(arguments): \(json.standardOutput)")
    try prepare()
    let text = try TandemBinary.run(
      home.args(arguments, instance: instance, json: false), environment: environment)
    #expect(text.status == 0, "\(arguments): \(text.standardError)")
    let lines = text.standardError.split(separator: "\n").map(String.init)
    #expect(lines.allSatisfy { $0.hasPrefix("warning: ") }, "\(lines)")
    return ((json.envelope?["warnings"] as? [String]) ?? [], lines)
  }

  @Test("the shared-write warning: only for a default shared write in a home with instance namespaces")
  func sharedWriteWarning() throws {
    var envelopes: [(String, Int32)] = []
    for route in Self.routes {
      let home = Home()
      func check(
        _ arguments: [String], instance: String? = nil, warned: Bool, prepare: () throws -> Void = {},
        _ sourceLocation: SourceLocation = #_sourceLocation
      ) throws {
        let found = try warnings(
          home, arguments, instance: instance, environment: route.environment, prepare: prepare,
          envelopes: &envelopes)
        for (mode, list) in [("json", found.json), ("text", found.text)] {
          #expect(
            list.count == (warned ? 1 : 0), "\(route.name) \(mode) \(arguments): \(list)",
            sourceLocation: sourceLocation)
          if warned, let warning = list.first {
            #expect(
              warning.contains("--instance-id") && warning.contains("--scope shared")
                && warning.contains(home.path + "/config.json"),
              "\(warning)", sourceLocation: sourceLocation)
          }
        }
      }
      // Puts `a` back, with no warning of its own, before an unset.
      func restore() throws {
        #expect(
          try home.run(["config", "set", "--scope", "shared", "a=0"]).envelope?["warnings"] as? [String] == []
        )
      }
      func corrupt() throws { try Data("{".utf8).write(to: URL(fileURLWithPath: home.path + "/config.json")) }
      // A single user, no instances: never warned.
      try check(["config", "set", "a=1"], warned: false)
      try check(["config", "unset", "a"], warned: false, prepare: restore)
      try check(["config", "unset", "--dry-run", "a"], warned: false, prepare: restore)
      try check(["config", "repair"], warned: false, prepare: corrupt)
      // An agent's own writes create its namespace, and are never warned.
      try check(["config", "set", "b=1"], instance: "agent-1", warned: false)
      try check(["config", "set", "--scope", "instance", "b=1"], instance: "agent-1", warned: false)
      // Now other agents work here: a shared write by default is warned, in every form.
      try check(["config", "set", "a=2"], warned: true)
      try check(["config", "unset", "--dry-run", "a"], warned: true)
      try check(["config", "unset", "a"], warned: true, prepare: restore)
      try check(["config", "set", "a=3"], warned: true)
      // Said explicitly, it is not; nor from an instance that asks for the shared document.
      try check(["config", "set", "--scope", "shared", "a=4"], warned: false)
      try check(["config", "set", "--scope", "shared", "a=5"], instance: "agent-1", warned: false)
      try check(["config", "unset", "--scope", "shared", "a"], warned: false, prepare: restore)
      try check(["config", "set", "--scope", "shared", "a=6"], warned: false)
      // A repair that moves the shared document is a shared write too; one with nothing to
      // move writes nothing.
      try check(["config", "repair"], warned: false)
      try check(["config", "repair", "--dry-run"], warned: true, prepare: corrupt)
      try check(["config", "repair"], warned: true, prepare: corrupt)
      try check(["config", "repair", "--scope", "shared"], warned: false, prepare: corrupt)
      // Once the last namespace is removed (its retired revisions stay), nobody else is there.
      let removed = try home.run(["instances", "remove", "agent-1"])
      envelopes.append((removed.standardOutput, removed.status))
      #expect(removed.status == 0 && (removed.envelope?["warnings"] as? [String]) == [])
      #expect(FileManager.default.fileExists(atPath: home.path + "/instances/.retired"))
      try check(["config", "set", "a=7"], warned: false)
    }
    let problems = try SchemaValidator.validateEnvelopes(envelopes)
    #expect(problems.isEmpty, "\(problems)")
  }
}
