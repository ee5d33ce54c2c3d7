import ArgumentParser
import Foundation
import Synchronization
import TandemCLI
import TandemState
import TandemTestSupport
import Testing

/// A tool whose commands keep a value in whatever store `--store` names.
struct StoredTool: TandemTool {
  static let configuration = CommandConfiguration(
    commandName: "stored", subcommands: [Put.self, Get.self, Local.self])
  static let identity = ToolIdentity(name: "stored")

  /// Writes `k` through ``CommandContext/backend()``.
  struct Put: TandemCommand {
    @Argument var value: String

    func execute(in context: CommandContext) throws -> CommandOutput {
      let backend = try context.backend()
      // A second call gets the backend made by the first.
      #expect(try context.backend() as AnyObject === backend as AnyObject || context.usesFileStore)
      let update = try backend.store(.shared).update(timeout: .seconds(5), ifRevision: nil, intent: nil) {
        $0.set([(key: "k", value: value)])
      }
      return CommandOutput(
        data: .object([("revision", .integer(Int64(update.document.revision)))]), text: "")
    }
  }

  /// Reads `k` through ``CommandContext/backend()``.
  struct Get: TandemCommand {
    func execute(in context: CommandContext) throws -> CommandOutput {
      let value = try context.backend().store(.shared).read()["k"]
      return CommandOutput(data: .object([("value", .optional(value))]), text: value ?? "")
    }
  }

  /// A command whose state is only in the home's files.
  struct Local: TandemCommand {
    func execute(in context: CommandContext) throws -> CommandOutput {
      try context.requireFileStore("only put and get use a store")
      return CommandOutput(data: .object([]), text: "")
    }
  }
}

/// `alt:PATH`: a file backend at PATH, so that where a write went can be seen. Counts the
/// backends it makes.
final class AlternateHomes: StoreProvider {
  let made = Mutex(0)
  var schemes: [String] { ["alt"] }

  func backend(url: String, home: StateHome, tool: ToolIdentity, environment: [String: String])
    throws(StateError) -> any StateBackend
  {
    made.withLock { $0 += 1 }
    let path = String(url.drop(while: { $0 != ":" }).dropFirst())
    guard path.hasPrefix("/") else { throw StateError(.invalidArgument, "alt: needs an absolute path") }
    return AlternateBackend(home: StateHome(path: path, tool: tool))
  }
}

/// A file backend that is a class, so that the tests can tell one instance from another.
final class AlternateBackend: StateBackend {
  let files: FileBackend
  init(home: StateHome) { files = FileBackend(home: home) }
  func store(_ namespace: Namespace, document name: String) -> ConfigStore {
    files.store(namespace, document: name)
  }
  func lock(named name: String) throws(StateError) -> NamedLock { try files.lock(named: name) }
}

/// `down://...`: a store that cannot be reached.
struct UnreachableStore: StoreProvider {
  var schemes: [String] { ["down"] }

  func backend(url: String, home: StateHome, tool: ToolIdentity, environment: [String: String])
    throws(StateError) -> any StateBackend
  {
    var error = StateError(.unavailable, "the server of the down store does not answer")
    error.retryAfterMilliseconds = 500
    throw error
  }
}

@Suite("Store providers: --store URL, PREFIX_STORE and CommandContext.backend()")
struct StoreProviderTests {
  let directory = TemporaryDirectory()
  let alternates = AlternateHomes()
  var home: String { directory.appending("home") }
  var elsewhere: String { directory.appending("elsewhere") }

  func invoke(
    _ arguments: [String], environment extra: [String: String] = [:], stores: [any StoreProvider]? = nil
  ) -> CommandLineTool.Response {
    CommandLineTool.invoke(
      StoredTool.self, arguments: ["--home", home, "--output", "json"] + arguments,
      environment: ["HOME": "/home/test"].merging(extra) { $1 },
      stores: stores ?? [alternates, UnreachableStore()])
  }

  func error(_ response: CommandLineTool.Response) throws -> [String: Any] {
    let envelope = try #require(
      try JSONSerialization.jsonObject(with: Data(response.standardOutput.utf8)) as? [String: Any])
    return try #require(envelope["error"] as? [String: Any], "\(response.standardOutput)")
  }

  func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  @Test("without a store URL the home's files are used; with one, the provider of its scheme")
  func choosesByScheme() throws {
    #expect(invoke(["put", "here"]).exitStatus == .success)
    #expect(exists(home + "/config.json"))
    #expect(alternates.made.withLock { $0 } == 0)

    // The scheme is matched whatever its case; the provider is asked once per invocation.
    #expect(invoke(["put", "there", "--store", "ALT:" + elsewhere]).exitStatus == .success)
    #expect(alternates.made.withLock { $0 } == 1)
    #expect(exists(elsewhere + "/config.json"))
    let read = invoke(["get"], environment: ["STORED_STORE": "alt:" + elsewhere])
    #expect(read.standardOutput.contains(#""value":"there""#), "\(read.standardOutput)")
    #expect(invoke(["get"]).standardOutput.contains(#""value":"here""#))
  }

  @Test("an empty --store or STORED_STORE is the home's files; --store \"\" overrides the variable")
  func emptyIsTheFiles() throws {
    #expect(invoke(["put", "a"], environment: ["STORED_STORE": ""]).exitStatus == .success)
    #expect(
      invoke(["put", "b", "--store", ""], environment: ["STORED_STORE": "alt:" + elsewhere]).exitStatus
        == .success)
    #expect(
      invoke(["put", "c", "--store="], environment: ["STORED_STORE": "nope://x"]).exitStatus == .success)
    #expect(!exists(elsewhere))
    #expect(invoke(["get"]).standardOutput.contains(#""value":"c""#))
  }

  @Test("a scheme no provider serves exits 2, names where it was given and what is served, not the URL")
  func unservedScheme() throws {
    let flagged = invoke(["put", "x", "--store", "mysql://admin:hunter2@db/app"])
    #expect(flagged.exitStatus.rawValue == 2)
    let error = try self.error(flagged)
    #expect(error["code"] as? String == "INVALID_ARGUMENT")
    #expect(error["served_schemes"] as? [String] == ["alt", "down"])
    #expect(error["scheme"] as? String == "mysql")
    let message = try #require(error["message"] as? String)
    #expect(message.contains("mysql://") && message.contains("--store") && message.contains("alt://"))
    #expect(!flagged.standardOutput.contains("hunter2"), "a URL may hold a secret: never repeated")
    #expect((error["fix_required"] as? String)?.contains("leave --store out") == true)

    let fromVariable = invoke(["get"], environment: ["STORED_STORE": "no scheme here"])
    #expect(fromVariable.exitStatus.rawValue == 2)
    let variableError = try self.error(fromVariable)
    #expect((variableError["message"] as? String)?.contains("the environment variable STORED_STORE") == true)
    #expect((variableError["fix_required"] as? String)?.contains("unset it") == true)
    #expect(!fromVariable.standardOutput.contains("no scheme here"))
    #expect(!exists(home), "nothing was written")

    // A build without providers serves only the files.
    let none = invoke(["get", "--store", "alt:" + elsewhere], stores: [])
    #expect(none.exitStatus.rawValue == 2)
    #expect(try self.error(none)["served_schemes"] as? [String] == [])
  }

  @Test("a provider's own error is reported through the catalog: unreachable is 12 UNAVAILABLE")
  func providerFailure() throws {
    let response = invoke(["get", "--store", "down://server/db"])
    #expect(response.exitStatus.rawValue == 12)
    let error = try self.error(response)
    #expect(error["code"] as? String == "UNAVAILABLE")
    #expect(error["retryable"] as? Bool == true && error["retry_after_ms"] as? Int == 500)
  }

  @Test("a command kept in the home's files refuses a store URL with exit 2, and runs without one")
  func fileStoreOnly() throws {
    #expect(invoke(["local"]).exitStatus == .success)
    let refused = invoke(["local", "--store", "alt:" + elsewhere])
    #expect(refused.exitStatus.rawValue == 2)
    let error = try self.error(refused)
    let message = try #require(error["message"] as? String)
    #expect(message.contains("stored local keeps its state in the home's files only"), "\(message)")
    #expect(message.contains("only put and get use a store"))
    #expect(!message.contains(elsewhere))
    #expect(error["fix_required"] as? String == "leave --store out")
    #expect(alternates.made.withLock { $0 } == 0, "no backend was made")
    // A scheme no provider serves is refused as such first.
    #expect(try self.error(invoke(["local", "--store", "zz://x"]))["served_schemes"] != nil)
  }

  @Test("in-process, a store served by another executable is refused with SETUP_REQUIRED")
  func executableInProcess() throws {
    let executable = StoreExecutable(schemes: ["far"], fileName: "stored-far", installation: "make install")
    let response = invoke(["get", "--store", "far://x"], stores: [executable])
    #expect(response.exitStatus.rawValue == 4)
    let error = try self.error(response)
    #expect(error["code"] as? String == "SETUP_REQUIRED")
    #expect((error["message"] as? String)?.contains("stored-far") == true)
  }

  @Test("help, the manifest and the completion scripts list --store and its variable")
  func documented() throws {
    let help = CommandLineTool.invoke(StoredTool.self, arguments: ["get", "--help"], environment: [:])
    #expect(help.standardOutput.contains("--store <url>"))
    #expect(help.standardOutput.contains("STORED_STORE"))
    let manifest = CommandLineTool.invoke(
      StoredTool.self, arguments: ["--output", "json", "manifest"], environment: [:])
    #expect(
      manifest.standardOutput.contains(#""store":{"type":"string""#), "\(manifest.standardOutput.prefix(400))"
    )
    let bash = CommandLineTool.invoke(
      StoredTool.self, arguments: ["--generate-completion-script", "bash"], environment: [:])
    #expect(bash.standardOutput.contains("--store"))
  }
}
