import ArgumentParser
import Foundation
import TandemCLI
import TandemState
import TandemTestSupport
import Testing

/// A small tool built on TandemCLI the way a third-party author would.
struct SampleTool: TandemTool {
  static let configuration = CommandConfiguration(commandName: "sample", subcommands: [Echo.self, Fail.self])
  static let identity = ToolIdentity(name: "sample")

  struct Echo: TandemCommand {
    @Argument var words: [String] = []
    @Option var count: Int = 1

    func execute(in context: CommandContext) throws -> CommandOutput {
      if count > 1 { context.warn("count is \(count)") }
      return CommandOutput(
        data: .object([
          ("words", .array(words.map(JSONValue.string))), ("home", .string(context.options.home.path)),
          ("instance", .optional(context.options.instanceID?.rawValue)),
          ("timeout_ms", .integer(try context.options.lockTimeout.milliseconds)),
        ]), text: words.joined(separator: " "))
    }
  }

  struct Fail: TandemCommand {
    func execute(in context: CommandContext) throws -> CommandOutput {
      var error = StateError(.concurrentModification, "busy")
      error.conflictReason = .lockTimeout
      error.retryAfterMilliseconds = 40
      throw error
    }
  }
}

@Suite("Command-line contract")
struct CommandLineToolTests {
  let environment = ["HOME": "/home/test"]

  func invoke(_ arguments: [String], environment extra: [String: String] = [:]) -> CommandLineTool.Response {
    CommandLineTool.invoke(
      SampleTool.self, arguments: arguments, environment: environment.merging(extra) { $1 })
  }

  func json(_ response: CommandLineTool.Response) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.standardOutput.utf8)) as? [String: Any])
  }

  @Test("global options work before and after the subcommand, in both spellings")
  func globalsAnywhere() throws {
    let forms: [[String]] = [
      ["--instance-id", "a", "--output", "json", "echo", "x"],
      ["echo", "x", "--instance-id", "a", "--output", "json"],
      ["--output=json", "echo", "--instance-id=a", "x"],
    ]
    for form in forms {
      let response = invoke(form)
      #expect(response.exitStatus == .success)
      let data = try #require(try json(response)["data"] as? [String: Any])
      #expect(data["instance"] as? String == "a")
      #expect(data["words"] as? [String] == ["x"])
    }
  }

  @Test("a flag beats its environment variable, which beats the default")
  func precedence() throws {
    let env = [
      "SAMPLE_INSTANCE_ID": "from-env", "SAMPLE_LOCK_TIMEOUT": "250ms", "SAMPLE_OUTPUT": "json",
      "SAMPLE_HOME": "/h",
    ]
    let fromEnv = try #require(try json(invoke(["echo"], environment: env))["data"] as? [String: Any])
    #expect(fromEnv["instance"] as? String == "from-env")
    #expect(fromEnv["timeout_ms"] as? Int == 250)
    #expect(fromEnv["home"] as? String == "/h")
    let fromFlags = try #require(
      try json(
        invoke(["echo", "--instance-id", "flag", "--lock-timeout", "0", "--home", "/f"], environment: env))[
          "data"]
        as? [String: Any])
    #expect(fromFlags["instance"] as? String == "flag")
    #expect(fromFlags["timeout_ms"] as? Int == 0)
    #expect(fromFlags["home"] as? String == "/f")
    let defaults = try #require(try json(invoke(["echo", "--output", "json"]))["data"] as? [String: Any])
    #expect(defaults["home"] as? String == "/home/test/.sample")
    #expect(defaults["timeout_ms"] as? Int == 5000)
    #expect(defaults["instance"] is NSNull)
  }

  @Test("arguments after -- are left alone")
  func terminator() throws {
    let response = invoke(["--output", "json", "echo", "--", "--instance-id", "z"])
    let data = try #require(try json(response)["data"] as? [String: Any])
    #expect(data["words"] as? [String] == ["--instance-id", "z"])
    #expect(data["instance"] is NSNull)
  }

  @Test("parse errors exit 2, not 64, with an envelope in JSON mode and one line in text mode")
  func parseErrors() throws {
    let response = invoke(["--output", "json", "echo", "--count", "notanumber"])
    #expect(response.exitStatus.rawValue == 2)
    let envelope = try json(response)
    #expect(envelope["ok"] as? Bool == false)
    #expect((envelope["error"] as? [String: Any])?["code"] as? String == "INVALID_ARGUMENT")
    let text = invoke(["nosuchcommand"])
    #expect(text.exitStatus.rawValue == 2)
    #expect(text.standardOutput.isEmpty)
    #expect(text.standardError.split(separator: "\n").count == 1)
  }

  @Test(
    "invalid global values exit 2 before any command runs",
    arguments: [
      ["--instance-id", "../x", "echo"], ["--lock-timeout", "soon", "echo"], ["--output", "yaml", "echo"],
      ["echo", "--home"],
    ])
  func invalidGlobals(_ arguments: [String]) {
    #expect(invoke(arguments).exitStatus.rawValue == 2)
  }

  @Test("help stays text and exits 0, even in JSON mode")
  func help() {
    let response = invoke(["--output", "json", "echo", "--help"])
    #expect(response.exitStatus == .success)
    #expect(response.standardOutput.contains("USAGE"))
    #expect(response.standardOutput.contains("--instance-id"))
  }

  @Test("a conflict becomes exit 6 with retry hints; warnings reach the envelope")
  func conflictAndWarnings() throws {
    let failure = invoke(["fail", "--output", "json", "--instance-id", "a"])
    #expect(failure.exitStatus.rawValue == 6)
    let envelope = try json(failure)
    let error = try #require(envelope["error"] as? [String: Any])
    #expect(error["retryable"] as? Bool == true)
    #expect(error["retry_after_ms"] as? Int == 40)
    #expect(error["retry_strategy"] as? String == "exponential_backoff")
    #expect((envelope["meta"] as? [String: Any])?["instance_id"] as? String == "a")
    let warned = try json(invoke(["echo", "--count", "2", "--output", "json"]))
    #expect(warned["warnings"] as? [String] == ["count is 2"])
  }

  @Test("every envelope here validates against the spec schema")
  func schema() throws {
    let responses = [
      invoke(["--output", "json", "echo", "x"]), invoke(["--output", "json", "fail"]),
      invoke(["--output", "json", "bogus"]), invoke(["--output", "json", "--instance-id", "a", "echo"]),
    ]
    let problems = try SchemaValidator.validateEnvelopes(
      responses.map { ($0.standardOutput, $0.exitStatus.rawValue) })
    #expect(problems.isEmpty, "\(problems)")
  }
}
