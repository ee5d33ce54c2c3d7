import ArgumentParser
import Foundation
import TandemCLI
import TandemState
import TandemTestSupport
import Testing

/// A tool whose command declares `-o` for itself: its global output option must give up the
/// short name (or the command its own).
struct ShortClashTool: TandemTool {
  static let configuration = CommandConfiguration(commandName: "shortclash", subcommands: [Save.self])
  static let identity = ToolIdentity(name: "shortclash")

  struct Save: TandemCommand {
    @Option(name: .short) var o: String
    func execute(in context: CommandContext) throws -> CommandOutput { CommandOutput(data: .null, text: "") }
  }
}

/// The same command under a tool that gave `--output` no short name.
struct ShortFreeTool: TandemTool {
  static let configuration = CommandConfiguration(
    commandName: "shortfree", subcommands: [ShortClashTool.Save.self])
  static let identity = ToolIdentity(name: "shortfree")
  static let globalOptionNames = GlobalOptionNames(outputShort: nil)
}

/// How the global options' values are read and refused: the short `-o`, variables named in
/// messages, the lock timeout checked only where a lock is taken, the home's `~` and empty
/// values.
@Suite("Global option values")
struct GlobalOptionValueTests {
  let environment = ["HOME": "/home/test"]

  func invoke(_ arguments: [String], environment extra: [String: String] = [:]) -> CommandLineTool.Response {
    CommandLineTool.invoke(
      SampleTool.self, arguments: arguments, environment: environment.merging(extra) { $1 })
  }

  func object(_ response: CommandLineTool.Response) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.standardOutput.utf8)) as? [String: Any])
  }

  func error(_ response: CommandLineTool.Response) throws -> [String: Any] {
    try #require(try object(response)["error"] as? [String: Any])
  }

  @Test("-o takes the output format as -o json, -o=json and -ojson, before or after the subcommand")
  func shortOutput() throws {
    for arguments in [["-o", "json", "echo", "x"], ["echo", "x", "-ojson"], ["echo", "-o=json", "x"]] {
      let response = invoke(arguments)
      #expect(response.exitStatus == .success, "\(arguments)")
      #expect(try object(response)["ok"] as? Bool == true, "\(arguments)")
      #expect((try object(response)["data"] as? [String: Any])?["words"] as? [String] == ["x"])
    }
    // After `--` it belongs to the command.
    let after = invoke(["--output", "json", "echo", "--", "-o", "json"])
    #expect((try object(after)["data"] as? [String: Any])?["words"] as? [String] == ["-o", "json"])
    let missing = invoke(["echo", "-o"])
    #expect(missing.exitStatus.rawValue == 2)
    #expect(missing.standardError.contains("missing value for -o"))
  }

  @Test("the short name is the tool's: another letter, or none, and the collision check covers it")
  func shortNameIsTheTools() throws {
    let notes = GlobalOptionNames(output: "format", outputShort: "f")
    #expect(notes.shortFlag(.output) == "-f" && notes.shortFlag(.home) == nil)
    #expect(GlobalOptionNames(outputShort: nil).shortFlag(.output) == nil)
    #expect(GlobalOptionNames(outputShort: "-").problem?.contains("short name") == true)
    #expect(GlobalOptionNames(outputShort: "é").problem != nil)
    #expect(GlobalOptionNames.standard.problem == nil)
    let collisions = OptionCollisions.find(in: ShortClashTool.self, names: ShortClashTool.globalOptionNames)
    #expect(collisions.map(\.flag) == ["-o"], "\(collisions)")
    #expect(
      OptionCollisions.problem(in: ShortClashTool.self, names: ShortClashTool.globalOptionNames)?.contains(
        "command \"save\" declares -o") == true)
    #expect(OptionCollisions.find(in: ShortFreeTool.self, names: ShortFreeTool.globalOptionNames).isEmpty)
    // Help shows the short name beside the long one.
    #expect(invoke(["echo", "--help"]).standardOutput.contains("-o, --output <format>"))
  }

  @Test("a bad lock timeout fails only when a lock is taken, naming the variable or the flag")
  func lazyLockTimeout() throws {
    let raw = GlobalOptions.Raw()
    let options = try GlobalOptions.resolve(
      raw, environment: ["HOME": "/h", "SAMPLE_LOCK_TIMEOUT": "soon"], tool: SampleTool.identity)
    #expect(options.home.path == "/h/.sample", "the other options resolve")
    var thrown: CommandFailure?
    do { _ = try options.lockTimeout } catch { thrown = error }
    let failure = try #require(thrown)
    #expect(failure.code == "INVALID_ARGUMENT" && failure.exitCode.rawValue == 2)
    #expect(failure.message.contains("\"soon\" in the environment variable SAMPLE_LOCK_TIMEOUT"))
    #expect(
      failure.fixRequired
        == "set SAMPLE_LOCK_TIMEOUT to a duration such as 5s, or unset it for the default, 5s")

    // Through a command that reads it, with the flag named instead.
    let flagged = invoke(["--output", "json", "echo", "--lock-timeout", "soon"])
    #expect(flagged.exitStatus.rawValue == 2)
    let error = try error(flagged)
    #expect((error["message"] as? String)?.contains("\"soon\" in --lock-timeout") == true, "\(error)")
    #expect(error["fix_required"] as? String == "pass --lock-timeout a duration such as 5s")
    // An empty variable is unset: the default.
    let empty = try object(invoke(["--output", "json", "echo"], environment: ["SAMPLE_LOCK_TIMEOUT": ""]))
    #expect((empty["data"] as? [String: Any])?["timeout_ms"] as? Int == 5000)
  }

  @Test("an invalid output format gets an envelope on standard output and the line on standard error")
  func invalidOutputFormat() throws {
    for (arguments, variables, place) in [
      (["echo"], ["SAMPLE_OUTPUT": "yaml"], "the environment variable SAMPLE_OUTPUT"),
      (["echo", "--output", "yaml"], [:], "--output"), (["-o", "yaml", "echo"], [:], "-o"),
      (["--help"], ["SAMPLE_OUTPUT": "JSON"], "the environment variable SAMPLE_OUTPUT"),
    ] as [([String], [String: String], String)] {
      let response = invoke(arguments, environment: variables)
      #expect(response.exitStatus.rawValue == 2, "\(arguments)")
      let error = try error(response)
      #expect(error["code"] as? String == "INVALID_ARGUMENT")
      #expect((error["message"] as? String)?.contains(" in \(place): use text or json") == true, "\(error)")
      #expect(response.standardError.hasPrefix("error: invalid output format"))
      #expect(response.standardError.split(separator: "\n").count == 1)
      let problems = try SchemaValidator.validateEnvelopes([(response.standardOutput, 2)])
      #expect(problems.isEmpty, "\(problems)")
    }
    let fix = try error(invoke(["echo"], environment: ["SAMPLE_OUTPUT": "yaml"]))["fix_required"] as? String
    #expect(fix == "set SAMPLE_OUTPUT to text or json, or unset it for the default, text")
  }

  @Test("an invalid instance id names the variable or the flag, with an article that fits")
  func invalidInstanceID() throws {
    let fromVariable = try error(
      invoke(["--output", "json", "echo"], environment: ["SAMPLE_INSTANCE_ID": "../x"]))
    #expect(
      (fromVariable["message"] as? String)?.hasPrefix(
        "invalid instance id \"../x\" in the environment variable SAMPLE_INSTANCE_ID: use 1 to 64") == true)
    #expect(
      (fromVariable["fix_required"] as? String)?.hasPrefix(
        "set SAMPLE_INSTANCE_ID to an instance id matching")
        == true)
    let fromFlag = try error(invoke(["--output", "json", "echo", "--instance-id", "../x"]))
    #expect((fromFlag["message"] as? String)?.contains("\"../x\" in --instance-id:") == true)
    #expect((fromFlag["fix_required"] as? String)?.hasPrefix("pass --instance-id an instance id") == true)
    // The state layer's own wording: "an" before a vowel, "a" before a consonant.
    #expect(throws: StateError.self) { try InstanceID("../x") }
    do { _ = try InstanceID("../x") } catch {
      #expect(error.fixRequired?.hasPrefix("pass an instance id") == true)
    }
    do { try InstanceID.validateName("../x", kind: "lock name") } catch {
      #expect(error.fixRequired?.hasPrefix("pass a lock name") == true)
    }
  }

  @Test("the home: an empty flag is refused, an empty variable is unset, ~ is expanded from HOME")
  func homeValues() throws {
    let empty = invoke(["--output", "json", "echo", "--home", ""])
    #expect(empty.exitStatus.rawValue == 2)
    let refusal = try error(empty)
    #expect(refusal["code"] as? String == "INVALID_ARGUMENT")
    #expect((refusal["message"] as? String)?.hasPrefix("--home is empty: give it a directory") == true)
    #expect((refusal["message"] as? String)?.contains("~/.sample") == true)

    func home(_ arguments: [String], _ variables: [String: String]) throws -> String? {
      let response = invoke(["--output", "json", "echo"] + arguments, environment: variables)
      return (try object(response)["data"] as? [String: Any])?["home"] as? String
    }
    #expect(try home([], ["SAMPLE_HOME": ""]) == "/home/test/.sample", "empty variable: unset")
    #expect(try home([], ["SAMPLE_HOME": "~/x"]) == "/home/test/x")
    #expect(try home(["--home=~"], [:]) == "/home/test")
    #expect(try home(["--home=~/a/b"], ["HOME": "/home/test/"]) == "/home/test/a/b")
    #expect(try home(["--home", "/abs/~x"], [:]) == "/abs/~x", "only a leading ~")

    let otherUser = invoke(["--output", "json", "echo"], environment: ["SAMPLE_HOME": "~bob/x"])
    #expect(otherUser.exitStatus.rawValue == 2)
    let message = try error(otherUser)["message"] as? String
    #expect(
      message
        == "the home \"~bob/x\" in the environment variable SAMPLE_HOME starts with ~, which no shell expanded: "
        + "only ~ and ~/ (this user's HOME) are expanded here, not ~user")
    let noHome = CommandLineTool.invoke(
      SampleTool.self, arguments: ["--output", "json", "--home=~/x", "echo"], environment: [:])
    #expect(noHome.exitStatus.rawValue == 2)
    #expect((try error(noHome)["message"] as? String)?.contains("HOME is not set") == true)
  }
}
