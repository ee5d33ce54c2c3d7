import Foundation
import TandemState
import Testing

/// An executable of this package (`tandem`, the example tool `notes`), run by the tests as
/// real processes.
public struct BuiltProduct: Sendable {
  /// The product's name, which is also its executable's file name.
  public let name: String
  /// The prefix of the tool's environment variables, e.g. `TANDEM`.
  public let environmentPrefix: String
  /// The name of the tool's output-format option, e.g. `output`.
  public let outputOption: String
  /// Its short name, e.g. `o`, if it has one.
  public let outputShort: String?
  /// The executable: `PREFIX_BIN` if set, else the built product beside the test bundle.
  public let path: String

  /// The product `name`, whose variables start with `environmentPrefix`.
  public init(
    name: String, environmentPrefix: String, outputOption: String = "output", outputShort: String? = "o"
  ) {
    self.name = name
    self.environmentPrefix = environmentPrefix
    self.outputOption = outputOption
    self.outputShort = outputShort
    self.path = Self.locate(name, variable: environmentPrefix + "_BIN")
  }

  /// The reference tool.
  public static let tandem = BuiltProduct(name: "tandem", environmentPrefix: "TANDEM")
  /// The example tool of Examples/notes.
  public static let notes = BuiltProduct(
    name: "notes", environmentPrefix: "NOTES", outputOption: "format", outputShort: "f")

  /// The prefixes of every tool of the package. A process the tests start sees none of the
  /// test runner's own variables with these prefixes (but `PREFIX_BIN`): it gets only
  /// what its test gives it.
  public static let toolPrefixes = ["TANDEM", "NOTES"]

  private static func locate(_ name: String, variable: String) -> String {
    if let explicit = ProcessInfo.processInfo.environment[variable] { return explicit }
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = bundle.deletingLastPathComponent()
    // `swift test` runs the bundle from .build/<triple>/debug/<Package>PackageTests.xctest.
    for _ in 0..<3 {
      let candidate = directory.appendingPathComponent(name).path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent(".build/debug/\(name)").path
  }

  /// What a finished process printed and how it ended.
  public struct Result: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    /// The standard output parsed as one JSON object (the envelope), or nil.
    public var envelope: [String: Any]? {
      guard let data = standardOutput.data(using: .utf8) else { return nil }
      return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// `envelope["error"]["code"]`.
    public var errorCode: String? { (envelope?["error"] as? [String: Any])?["code"] as? String }
    /// `envelope["error"]`.
    public var error: [String: Any]? { envelope?["error"] as? [String: Any] }
    /// `envelope["data"]`.
    public var data: [String: Any]? { envelope?["data"] as? [String: Any] }

    /// What is wrong with the standard output as the one JSON envelope of an invocation:
    /// the spec's schema, `meta.request_id`, and `ok` agreeing with the exit status.
    public func envelopeProblems() -> [String] {
      guard let schema = JSONSchema.envelope else { return ["the envelope schema could not be read"] }
      let lines = standardOutput.split(separator: "\n")
      guard lines.count == 1 else {
        return ["\(lines.count) lines, not one JSON document: \(standardOutput.prefix(300))"]
      }
      var problems = schema.problems(text: standardOutput)
      if let envelope {
        let meta = envelope["meta"] as? [String: Any]
        if (meta?["request_id"] as? String)?.isEmpty != false {
          problems.append("meta.request_id is missing")
        }
        if (envelope["ok"] as? Bool) != (status == 0) {
          problems.append("ok does not match exit status \(status)")
        }
      }
      return problems.map { "\($0) in \(standardOutput.prefix(300))" }
    }
  }

  /// A started process.
  ///
  /// Spawned through TandemState's own spawner (`ProcessSpawner`), not Foundation's
  /// `Process`: tests start many processes from parallel threads, and its pipes are created
  /// close-on-exec in one step (`pipe2`), so no child ever inherits another test's pipe
  /// (which would hold that pipe open, and its reader waiting, for as long as the unrelated
  /// child lives). Children start with default signal handling and nothing blocked, whatever
  /// the test runner set for itself.
  public final class Running: @unchecked Sendable {
    /// The process id.
    public let pid: Int32
    private let process: SpawnedProcess
    private var outputData = Data()
    private var errorData = Data()
    private let group = DispatchGroup()
    /// Whether the process was asked for JSON, so that its standard output must be one
    /// valid envelope.
    private let expectsEnvelope: Bool

    init(
      _ arguments: [String], environment: [String: String], unsetting: [String] = [], executable: String,
      input: String? = nil, product: BuiltProduct? = nil
    ) throws {
      expectsEnvelope = product.map { $0.asksForJSON(arguments, environment: environment) } ?? false
      var env = ProcessEnvironment.inherited()
      env.remove { name in
        unsetting.contains(name)
          || BuiltProduct.toolPrefixes.contains { name.hasPrefix($0 + "_") && name != $0 + "_BIN" }
      }
      for (key, value) in environment { env.set(key, value) }
      var request = ProcessSpawner.Request([executable] + arguments, environment: env)
      request.standardInput = .file(input ?? "/dev/null")
      process = try ProcessSpawner.spawn(request)
      pid = process.pid
      // One thread per pipe, not Dispatch's pool: with 2 cores its few threads would all sit
      // in the blocking reads of long-running children while short ones wait their turn.
      for (fd, isOutput) in [(process.standardOutput, true), (process.standardError, false)] {
        group.enter()
        Thread {
          let data = Self.drain(fd)
          if isOutput { self.outputData = data } else { self.errorData = data }
          self.group.leave()
        }.start()
      }
    }

    private static func drain(_ fd: Int32) -> Data {
      var data = Data()
      var buffer = [UInt8](repeating: 0, count: 65_536)
      while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        data.append(contentsOf: buffer[0..<count])
      }
      return data
    }

    /// Waits for the end and returns the result.
    ///
    /// A process asked for JSON that ended by itself and printed something must have printed
    /// exactly one envelope valid against the spec's schema, with `meta.request_id`, and
    /// `ok` true exactly when it exited 0: otherwise the running test gets an issue. Every
    /// end-to-end test checks this of every invocation, whatever it asserts itself.
    public func wait() -> Result {
      let termination = process.waitForExit()
      group.wait()
      let result = Result(
        status: termination.shellStatus,
        standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: String(decoding: errorData, as: UTF8.self))
      if expectsEnvelope, case .exited = termination, !result.standardOutput.isEmpty {
        for problem in result.envelopeProblems() {
          Issue.record("the envelope is not valid: \(problem)")
        }
      }
      return result
    }
  }

  /// Whether `arguments` and `environment` ask the product for JSON output.
  func asksForJSON(_ arguments: [String], environment: [String: String]) -> Bool {
    var json = environment[environmentPrefix + "_" + outputOption.uppercased()] == "json"
    let flag = "--" + outputOption
    for (index, word) in arguments.enumerated() {
      if word == "--" { break }
      if word == flag, index + 1 < arguments.count { json = arguments[index + 1] == "json" }
      if word.hasPrefix(flag + "=") { json = word == flag + "=json" }
      if let short = outputShort.map({ "-" + $0 }), word.hasPrefix(short) {
        let attached = word.dropFirst(short.count)
        if attached.isEmpty, index + 1 < arguments.count {
          json = arguments[index + 1] == "json"
        } else if !attached.isEmpty {
          json = attached == "json" || attached == "=json"
        }
      }
    }
    return json
  }

  /// Starts the product with `arguments`. The tools' variables of the test process are
  /// cleared first (see ``toolPrefixes``), and the variables named in `unsetting`; then
  /// `environment` is applied.
  public func start(
    _ arguments: [String], environment: [String: String] = [:], unsetting: [String] = [], input: String? = nil
  ) throws -> Running {
    try Running(
      arguments, environment: environment, unsetting: unsetting, executable: path, input: input, product: self
    )
  }

  /// Runs the product to the end.
  @discardableResult
  public func run(
    _ arguments: [String], environment: [String: String] = [:], unsetting: [String] = [], input: String? = nil
  ) throws -> Result {
    try start(arguments, environment: environment, unsetting: unsetting, input: input).wait()
  }

  /// Runs several processes of the product at the same moment and waits for all.
  public func runTogether(
    _ invocations: [[String]], environment: [String: String] = [:], unsetting: [String] = []
  ) throws -> [Result] {
    let started = try invocations.map { try start($0, environment: environment, unsetting: unsetting) }
    return started.map { $0.wait() }
  }

  /// Starts any program, with the environment prepared as for a product.
  public static func startProgram(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], unsetting: [String] = []
  ) throws -> Running {
    try Running(arguments, environment: environment, unsetting: unsetting, executable: executable)
  }
}
