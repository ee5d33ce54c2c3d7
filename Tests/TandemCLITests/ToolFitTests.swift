import ArgumentParser
import Foundation
import TandemCLI
import TandemState
import TandemTestSupport
import Testing

/// A tool with its own `--output FILE`: its output-format option is named `--format`.
struct ReportTool: TandemTool {
  static let configuration = CommandConfiguration(
    commandName: "report", subcommands: [Export.self, Fetch.self, Plain.self, PlainAsync.self, Summary.self])
  static let identity = ToolIdentity(name: "report", environmentPrefix: "RPT", home: .platformDefault)
  static let globalOptionNames = GlobalOptionNames(output: "format")

  static func advice(for remedy: Remedy, in context: CommandContext) -> RemedyAdvice? {
    guard case .rereadDocument = remedy else { return nil }
    return RemedyAdvice(text: "read it again with report show", command: ["show"])
  }

  /// A result as a value: JSON and text both come from it.
  struct Exported: CommandResult {
    var file: String
    var lineCount: Int
    var skipped: String?
  }

  struct Export: TandemCommand {
    @Option var output: String
    func execute(in context: CommandContext) throws -> Exported {
      Exported(file: output, lineCount: 3, skipped: nil)
    }
  }

  /// An async command: suspends before it answers.
  struct Fetch: AsyncTandemCommand {
    struct Fetched: CommandResult {
      var items: [String]
      var text: String? { items.joined(separator: ",") }
    }
    @Argument var count: Int = 2
    func execute(in context: CommandContext) async throws -> Fetched {
      try await Task.sleep(for: .milliseconds(5))
      if count < 0 {
        var error = StateError(.concurrentModification, "moved on")
        error.conflictReason = .revisionMismatch
        error.remedy = .rereadDocument(.shared, currentRevision: 4)
        throw error
      }
      return Fetched(items: (0..<count).map { "item\($0)" })
    }
  }

  /// A plain swift-argument-parser command whose runtime error is not a usage error.
  struct Plain: ParsableCommand {
    struct Broken: Error {}
    func run() throws { throw Broken() }
  }

  /// A plain async swift-argument-parser command.
  struct PlainAsync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plain-async")
    func run() async throws { throw Plain.Broken() }
  }

  /// A result whose members are not all scalar, rendered by default.
  struct Summary: TandemCommand {
    struct Counts: CommandResult {
      var total: UInt64
      var byKind: [String: Int]
      var largest: UInt64
    }
    @Flag var overflow = false
    func execute(in context: CommandContext) throws -> Counts {
      Counts(total: 2, byKind: ["a": 2], largest: overflow ? UInt64.max : UInt64(Int64.max))
    }
  }
}

/// A tool whose command declares an option with a global option's name.
struct ClashingTool: TandemTool {
  static let configuration = CommandConfiguration(commandName: "clash", subcommands: [Export.self])
  static let identity = ToolIdentity(name: "clash")

  struct Export: TandemCommand {
    @Option var output: String
    func execute(in context: CommandContext) throws -> CommandOutput { CommandOutput(data: .null, text: "") }
  }
}

@Suite("TandemCLI fits around a tool")
struct ToolFitTests {
  let environment = ["HOME": "/home/test"]

  func object(_ response: CommandLineTool.Response) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.standardOutput.utf8)) as? [String: Any])
  }

  @Test("a tool's own --output is its own; the output format is under the tool's name for it")
  func ownOutputOption() async throws {
    let text = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["export", "--output", "report.txt"], environment: environment)
    #expect(text.exitStatus == .success, "\(text.standardError)")
    #expect(text.standardOutput == "file: report.txt\nline_count: 3\nskipped: -\n")
    let json = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["--format", "json", "export", "--output", "report.txt"],
      environment: environment)
    let data = try #require(try object(json)["data"] as? [String: Any])
    #expect(data["file"] as? String == "report.txt" && data["line_count"] as? Int == 3)
    #expect(data.keys.contains("skipped") && data["skipped"] is NSNull, "nil is null, not absent")
    // The variable follows the option's name and the tool's prefix.
    let fromVariable = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["export", "--output", "r"],
      environment: ["HOME": "/h", "RPT_FORMAT": "json"])
    #expect(try object(fromVariable)["ok"] as? Bool == true)
  }

  @Test("result members keep their declaration order in the envelope")
  func memberOrder() async throws {
    let json = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["--format", "json", "export", "--output", "r"], environment: environment)
    let line = json.standardOutput
    let file = try #require(line.range(of: "\"file\""))
    let count = try #require(line.range(of: "\"line_count\""))
    let skipped = try #require(line.range(of: "\"skipped\""))
    #expect(file.lowerBound < count.lowerBound && count.lowerBound < skipped.lowerBound)
  }

  @Test("the home and variables derive from the tool's identity")
  func identityDerivedNames() async throws {
    let xdg = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["--format", "json", "fetch", "1"],
      environment: ["HOME": "/home/u", "XDG_CONFIG_HOME": "/home/u/cfg"])
    #expect(xdg.exitStatus == .success)
    #expect(ReportTool.identity.defaultHome(environment: ["HOME": "/home/u"]) == "/home/u/.config/report")
    #expect(
      ReportTool.identity.defaultHome(environment: ["HOME": "/home/u", "XDG_CONFIG_HOME": "/x"])
        == "/x/report")
    #expect(
      ReportTool.identity.defaultHome(environment: ["HOME": "/home/u", "XDG_CONFIG_HOME": "relative"])
        == "/home/u/.config/report", "a relative XDG_CONFIG_HOME is ignored, as the specification says")
    #expect(ReportTool.identity.heldLocksVariable == "RPT_HELD_LOCKS")
    #expect(ReportTool.identity.documentFormat("config", version: 1) == "report.config/1")
    #expect(
      GlobalOptionNames(output: "format").environmentVariable(.output, tool: ReportTool.identity)
        == "RPT_FORMAT")
    // A home given by the tool's variable.
    let options = try GlobalOptions.resolve(
      .init(), environment: ["RPT_HOME": "/state", "TANDEM_HOME": "/other"], tool: ReportTool.identity,
      names: ReportTool.globalOptionNames)
    #expect(options.home.path == "/state" && options.home.tool == ReportTool.identity)
  }

  @Test("an async command runs, and its errors reach the envelope in the tool's words")
  func asyncCommand() async throws {
    let text = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["fetch", "3"], environment: environment)
    #expect(text.exitStatus == .success)
    #expect(text.standardOutput == "item0,item1,item2\n")
    let failed = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["--format", "json", "fetch", "--", "-1"], environment: environment)
    #expect(failed.exitStatus.rawValue == 6)
    let error = try #require(try object(failed)["error"] as? [String: Any])
    #expect(error["fix_required"] as? String == "read it again with report show")
    #expect(error["fix_command"] as? String == "report show --format json")
    // The synchronous entry point says to use the asynchronous one instead of printing usage.
    let sync = synchronousInvoke(["fetch"])
    #expect(sync.exitStatus == .generalError && sync.standardError.contains("asynchronous"))
  }

  /// The synchronous entry point (a plain function, so that the synchronous overload is used).
  func synchronousInvoke(_ arguments: [String]) -> CommandLineTool.Response {
    CommandLineTool.invoke(ReportTool.self, arguments: arguments, environment: environment)
  }

  @Test("a runtime error of a plain command goes through the catalog, not exit 2")
  func plainCommandErrors() async throws {
    for command in ["plain", "plain-async"] {
      let response = await CommandLineTool.invoke(
        ReportTool.self, arguments: ["--format", "json", command], environment: environment)
      #expect(response.exitStatus == .generalError, "\(command)")
      let error = try #require(try object(response)["error"] as? [String: Any])
      #expect(error["code"] as? String == "INTERNAL_ERROR")
    }
  }

  @Test("integers beyond Int64 are refused, not rounded; nested values render on one line")
  func encoderLimits() async throws {
    let fine = await CommandLineTool.invoke(ReportTool.self, arguments: ["summary"], environment: environment)
    #expect(fine.standardOutput == "total: 2\nby_kind: {\"a\":2}\nlargest: \(Int64.max)\n")
    let tooLarge = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["--format", "json", "summary", "--overflow"], environment: environment)
    #expect(tooLarge.exitStatus == .generalError)
    let message = try #require(try object(tooLarge)["error"] as? [String: Any])["message"] as? String
    #expect(message?.contains("largest") == true)
  }

  @Test("a command option named like a global option is refused at start-up, with both named")
  func collisionRefused() async throws {
    let response = await CommandLineTool.invoke(
      ClashingTool.self, arguments: ["export", "--output", "x"], environment: environment)
    #expect(response.exitStatus == .generalError)
    #expect(
      response.standardError.contains("command \"export\" declares --output"), "\(response.standardError)")
    #expect(response.standardError.contains("GlobalOptionNames"))
    #expect(OptionCollisions.find(in: ReportTool.self, names: ReportTool.globalOptionNames).isEmpty)
  }

  @Test("help lists the global options under the tool's names and variables, in every command")
  func helpListsGlobals() async throws {
    for arguments in [["--help"], ["export", "--help"]] {
      let response = await CommandLineTool.invoke(
        ReportTool.self, arguments: arguments, environment: environment)
      #expect(response.exitStatus == .success)
      #expect(response.standardOutput.contains("--format <format>"))
      #expect(response.standardOutput.contains("RPT_LOCK_TIMEOUT"))
      #expect(!response.standardOutput.contains("TANDEM"))
    }
  }

  @Test("invalid global option names are refused with a clear message")
  func invalidNames() {
    #expect(GlobalOptionNames(output: "home").problem == "two global options are both named --home")
    #expect(GlobalOptionNames(home: "--home").problem != nil)
    #expect(GlobalOptionNames.standard.problem == nil)
  }

  @Test("a bad value from a variable names the variable, not a flag")
  func variableNamed() async throws {
    let response = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["--format", "json", "fetch"],
      environment: ["HOME": "/h", "RPT_INSTANCE_ID": "../up"])
    let error = try #require(try object(response)["error"] as? [String: Any])
    #expect((error["message"] as? String)?.contains("the environment variable RPT_INSTANCE_ID") == true)
    #expect((error["fix_required"] as? String)?.contains("set RPT_INSTANCE_ID") == true, "\(error)")
    #expect((error["message"] as? String)?.contains("--instance-id") == false)
    // The lock timeout is checked only where a lock is taken: `fetch` takes none.
    let read = await CommandLineTool.invoke(
      ReportTool.self, arguments: ["fetch"], environment: ["HOME": "/h", "RPT_LOCK_TIMEOUT": "soon"])
    #expect(read.exitStatus == .success, "\(read.standardError)")
  }
}
