import Foundation
import TandemTestSupport
import Testing

@Suite("Envelopes against the CLI Agent Spec schema")
struct SchemaConformanceTests {
  @Test("every kind of result and error the tool prints validates, and ok matches the exit code")
  func allEnvelopes() throws {
    let home = Home()
    var results: [TandemBinary.Result] = []
    func run(_ arguments: [String], instance: String? = nil) throws {
      results.append(try home.run(arguments, instance: instance))
    }
    try run(["config", "set", "a=1"])
    try run(["config", "set", "b=2"], instance: "i1")
    try run(["config", "get", "a"], instance: "i1")
    try run(["config", "get", "missing"])
    try run(["config", "list"], instance: "i1")
    try run(["config", "unset", "a"])
    try run(["config", "set", "--if-revision", "0", "a=1"])
    try run(["config", "repair"])
    try run(["config", "bogus"])
    try run(["lock", "status"])
    try run(["lock", "status", "--name", "n"])
    try run(["lock", "run", "--", "true"])
    try run(["lock", "run", "--", "false"])
    try run(["lock", "run", "--", "/nonexistent"])
    try run(["instances", "list"])
    try run(["instances", "remove", "nobody"])
    try run(["config", "set", "x=1"], instance: "../bad")
    results.append(try TandemBinary.run(["--output", "json", "--lock-timeout", "abc", "config", "list"]))
    // Help, the version, a command group alone, parse errors and the manifest: envelopes too.
    for line in [
      ["--version"], ["config"], ["help", "config"], ["config", "set", "--help"], ["confg"], ["config", "lst"],
      ["lock", "run", "echo", "hi"], ["config", "get"], ["config", "set", "--if-revision", "x", "a=1"], ["manifest"],
      ["manifest", "--etag", "x"], ["manifest", "--bogus"],
    ] {
      let result = try TandemBinary.run(["--output", "json"] + line)
      #expect(result.envelope != nil, "\(line): \(result.standardOutput)")
      results.append(result)
    }
    let holder = try home.start(["lock", "run", "--", "sleep", "1"], json: false)
    #expect(try home.waitUntilHeld())
    try run(["--lock-timeout", "0", "config", "set", "z=1"])
    _ = holder.wait()

    let documents = results.map { ($0.standardOutput, $0.status) }
    for (text, status) in documents {
      #expect(
        text.split(separator: "\n").count == 1,
        "exactly one JSON document per invocation (exit \(status)): \(text)")
    }
    let problems = try SchemaValidator.validateEnvelopes(documents)
    #expect(problems.isEmpty, "\(problems)")
  }
}
