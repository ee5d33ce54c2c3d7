import Foundation
import TandemCLI
import TandemState
import Testing

/// Command lines that `scripts/fuzz` (target `cli`) found, kept as regression tests. Each is
/// also in Fuzz/Corpus/cli, so every fuzz run replays it first.
@Suite("Fuzz findings: command line")
struct FuzzFindingsCLITests {
  func invoke(_ arguments: [String], environment: [String: String] = [:]) -> CommandLineTool.Response {
    CommandLineTool.invoke(
      SampleTool.self, arguments: arguments, environment: ["HOME": "/home/test"].merging(environment) { $1 })
  }

  @Test("a command group without its subcommand prints one JSON envelope in JSON mode")
  func bareGroupInJSONMode() throws {
    for response in [invoke(["--output", "json"]), invoke([], environment: ["SAMPLE_OUTPUT": "json"])] {
      #expect(response.exitStatus == .success)
      #expect(response.standardError.isEmpty)
      let envelope = try #require(
        try JSONSerialization.jsonObject(with: Data(response.standardOutput.utf8)) as? [String: Any])
      #expect(envelope["ok"] as? Bool == true)
      #expect(((envelope["data"] as? [String: Any])?["help"] as? String)?.contains("USAGE") == true)
    }
  }

  @Test("help that is asked for stays text in JSON mode; a bare group stays help in text mode")
  func explicitHelpStaysText() {
    #expect(invoke(["--output", "json", "--help"]).standardOutput.contains("USAGE"))
    #expect(invoke(["--output", "json", "help"]).standardOutput.contains("USAGE"))
    let text = invoke([])
    #expect(text.exitStatus == .success)
    #expect(text.standardOutput.contains("USAGE"))
  }

  @Test(
    "a text-mode error quoting an argument with control characters is still one line",
    arguments: ["\n", "a\nb", "x\r", "\u{1b}[31mred"])
  func controlCharactersInTextErrors(_ argument: String) {
    let response = invoke([argument])
    #expect(response.exitStatus.rawValue == 2)
    #expect(response.standardError.hasSuffix(" [INVALID_ARGUMENT, exit 2]\n"))
    #expect(response.standardError.filter { $0.isNewline }.count == 1)
    #expect(!response.standardError.unicodeScalars.contains { $0.value == 0x1B || $0 == "\r" })
  }
}

@Suite("Fuzz findings: global options")
struct FuzzFindingsGlobalOptionsTests {
  @Test(
    "a global option missing its value is answered in the format asked for",
    arguments: [
      (["echo", "--home"], ["SAMPLE_OUTPUT": "json"]), (["--output", "json", "echo", "--instance-id"], [:]),
      (["--output=json", "--lock-timeout"], [:]),
    ])
  func missingValueInJSONMode(_ arguments: [String], _ environment: [String: String]) throws {
    let response = CommandLineTool.invoke(
      SampleTool.self, arguments: arguments, environment: ["HOME": "/home/test"].merging(environment) { $1 })
    #expect(response.exitStatus.rawValue == 2)
    #expect(response.standardError.isEmpty)
    let envelope = try #require(
      try JSONSerialization.jsonObject(with: Data(response.standardOutput.utf8)) as? [String: Any])
    #expect((envelope["error"] as? [String: Any])?["code"] as? String == "INVALID_ARGUMENT")
  }
}
