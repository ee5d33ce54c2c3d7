import ArgumentParser
import TandemCLI
import TandemState
import TandemTestSupport
import Testing

@testable import TandemCLI

/// A small tool in two versions that differ in one option, for the etag.
struct ShelfTool: TandemTool {
  static let configuration = CommandConfiguration(
    commandName: "shelf", version: "2.1.0", subcommands: [Put.self, Count.self, Exec.self, Books.self])
  static let identity = ToolIdentity(name: "shelf", environmentPrefix: "SHELF", home: .platformDefault)

  enum Color: String, ExpressibleByArgument, CaseIterable { case red, blue }

  struct Put: TandemCommand, ContractedCommand {
    static let contract = CommandContract(
      .mutating, failures: [.concurrentModification, .notFound],
      examples: [CommandExample("Put a red book", "put --color red --copies 2 dune")])
    @Option var copies: Int64 = 1
    @Option var weight: Double?
    @Option var color: Color = .blue
    @Option var tag: [String] = []
    @Flag var force = false
    @Argument var title: String
    func execute(in context: CommandContext) throws -> CommandOutput {
      CommandOutput(data: .object([]), text: "")
    }
  }

  /// No contract: taken to change state.
  struct Count: TandemCommand {
    func execute(in context: CommandContext) throws -> CommandOutput {
      CommandOutput(data: .object([]), text: "")
    }
  }

  struct Exec: TandemCommand {
    @Argument(parsing: .postTerminator) var command: [String] = []
    func execute(in context: CommandContext) throws -> CommandOutput {
      CommandOutput(data: .object([]), text: "")
    }
  }

  struct Books: ParsableCommand {
    static let configuration = CommandConfiguration(subcommands: [Count.self])
  }
}

/// The same tool with one more option on `count`.
struct ShelfToolChanged: TandemTool {
  static let configuration = CommandConfiguration(
    commandName: "shelf", version: "2.1.0",
    subcommands: [ShelfTool.Put.self, Count.self, ShelfTool.Exec.self])
  static let identity = ShelfTool.identity

  struct Count: TandemCommand {
    @Option var limit: Int?
    func execute(in context: CommandContext) throws -> CommandOutput {
      CommandOutput(data: .object([]), text: "")
    }
  }
}

@Suite("Manifest generation")
struct ManifestGenerationTests {
  func commands<Root: TandemTool>(_ root: Root.Type) -> [(String, JSONValue)] {
    guard case .object(let members) = Manifest.build(root)["commands"] ?? .null else { return [] }
    return members
  }

  @Test("flag types come from the Swift types of the options")
  func flagTypes() throws {
    let put = try #require(commands(ShelfTool.self).first { $0.0 == "put" }?.1)
    let flags = try #require(put["flags"])
    #expect(flags["copies"]?["type"] == "integer")
    #expect(flags["copies"]?["default"] == .integer(1))
    #expect(flags["weight"]?["type"] == "number")
    #expect(flags["color"]?["type"] == "enum")
    #expect(flags["color"]?["enum_values"] == .array(["red", "blue"]))
    #expect(flags["tag"]?["type"] == "array")
    #expect(flags["force"]?["type"] == "boolean")
    #expect(flags["title"]?["type"] == "string")
    #expect(flags["title"]?["required"] == true)
    #expect(flags["instance-id"]?["type"] == "string", "global options are on every command")
    #expect(put["danger_level"] == "mutating")
    #expect(put["examples"]?.arrayCount == 1)
    // Exit 6 (a conflict) and 5 (not found), besides 0, 1 and 2.
    guard case .object(let codes) = put["exit_codes"] ?? .null else { Issue.record("no exit codes"); return }
    #expect(codes.map(\.0) == ["0", "1", "2", "5", "6"])
  }

  @Test("a command without a contract is taken to change state; a group only shows help")
  func defaults() throws {
    let all = commands(ShelfTool.self)
    #expect(all.first { $0.0 == "count" }?.1["danger_level"] == "mutating")
    #expect(all.first { $0.0 == "books" }?.1["danger_level"] == "safe")
    #expect(all.first { $0.0 == "books" }?.1["subcommands"] == .array(["books.count"]))
    #expect(all.contains { $0.0 == "books.count" })
    #expect(all.contains { $0.0 == "manifest" })
  }

  @Test("the etag is the same for the same tree and changes when one option is added")
  func etagFollowsTheTree() {
    let first = Manifest.build(ShelfTool.self)["etag"]
    #expect(first == Manifest.build(ShelfTool.self)["etag"])
    #expect(first != Manifest.build(ShelfToolChanged.self)["etag"])
    #expect(Manifest.build(ShelfTool.self)["framework_version"] == "2.1.0")
  }

  @Test("a mistyped command gets the closest one; a command line to run needs its --")
  func usageAdvice() async {
    let typo = await CommandLineTool.invoke(
      ShelfTool.self, arguments: ["--output", "json", "putt"], environment: [:])
    #expect(typo.exitStatus == .argumentError)
    #expect(typo.standardOutput.contains("did you mean 'put'?"))
    let nested = await CommandLineTool.invoke(ShelfTool.self, arguments: ["books", "cont"], environment: [:])
    #expect(nested.standardError.contains("unknown command 'cont' for 'shelf books'; did you mean 'count'?"))
    let far = await CommandLineTool.invoke(ShelfTool.self, arguments: ["zzzzzz"], environment: [:])
    #expect(
      far.standardError.contains(
        "unknown command 'zzzzzz' for 'shelf'; its commands are: put, count, exec, books"))
    let dashes = await CommandLineTool.invoke(
      ShelfTool.self, arguments: ["exec", "ls", "-l"], environment: [:])
    #expect(dashes.exitStatus == .argumentError)
    #expect(dashes.standardError.contains("put the command to run after --, e.g. shelf exec -- ls -l"))
  }

  @Test("JSON mode answers --version and --help with an envelope too")
  func versionAndHelpAsJSON() async {
    let version = await CommandLineTool.invoke(
      ShelfTool.self, arguments: ["--output", "json", "--version"], environment: [:])
    #expect(version.standardOutput.hasPrefix(#"{"ok":true,"data":{"version":"2.1.0"}"#))
    #expect(version.standardOutput.contains(#""request_id":""#))
    let help = await CommandLineTool.invoke(ShelfTool.self, arguments: ["put", "--help"], environment: [:])
    #expect(help.exitStatus == .success, "\(help.standardError)")
    #expect(
      help.standardOutput.contains("EXAMPLES:\n  # Put a red book\n  shelf put --color red --copies 2 dune\n")
    )
  }

  @Test("request ids are UUIDs, different for every invocation")
  func requestIDs() {
    let ids = (0..<1000).map { _ in Invocation(version: nil).requestID }
    #expect(Set(ids).count == 1000)
    for id in ids.prefix(20) {
      #expect(id.count == 36)
      #expect(Array(id)[14] == "4")
    }
  }
}

extension JSONValue {
  fileprivate var arrayCount: Int? {
    if case .array(let items) = self { return items.count }
    return nil
  }
}
