public import Foundation
import TandemState

/// Runs the built `tandem` executable as a real process.
public enum TandemBinary {
  /// The executable: `TANDEM_BIN` if set, else `tandem` beside the test bundle.
  public static let path: String = {
    if let explicit = ProcessInfo.processInfo.environment["TANDEM_BIN"] { return explicit }
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = bundle.deletingLastPathComponent()
    // `swift test` runs the bundle from .build/<triple>/debug/<Package>PackageTests.xctest.
    for _ in 0..<3 {
      let candidate = directory.appendingPathComponent("tandem").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent(".build/debug/tandem").path
  }()

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

    init(_ arguments: [String], environment: [String: String], executable: String, input: String? = nil)
      throws
    {
      var env = ProcessEnvironment.inherited()
      env.remove { $0.hasPrefix("TANDEM_") && $0 != "TANDEM_BIN" }
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
    public func wait() -> Result {
      let termination = process.waitForExit()
      group.wait()
      return Result(
        status: termination.shellStatus,
        standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: String(decoding: errorData, as: UTF8.self))
    }
  }

  /// Starts `tandem` with `arguments`; `TANDEM_*` variables of the test process are cleared
  /// first, then `environment` is applied.
  public static func start(_ arguments: [String], environment: [String: String] = [:], input: String? = nil)
    throws
    -> Running
  {
    try Running(arguments, environment: environment, executable: path, input: input)
  }

  /// Starts any program.
  public static func startProgram(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:]
  ) throws
    -> Running
  {
    try Running(arguments, environment: environment, executable: executable)
  }

  /// Runs `tandem` to the end.
  @discardableResult
  public static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil)
    throws
    -> Result
  {
    try start(arguments, environment: environment, input: input).wait()
  }

  /// Runs several `tandem` processes at the same moment and waits for all.
  public static func runTogether(_ invocations: [[String]], environment: [String: String] = [:]) throws
    -> [Result]
  {
    let started = try invocations.map { try start($0, environment: environment) }
    return started.map { $0.wait() }
  }
}
