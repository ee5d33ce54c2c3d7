public import Foundation

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
  public final class Running: @unchecked Sendable {
    public let process: Process
    private let output = Pipe()
    private let errors = Pipe()
    private var outputData = Data()
    private var errorData = Data()
    private let group = DispatchGroup()

    init(_ arguments: [String], environment: [String: String], executable: String) throws {
      process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
      var env = ProcessInfo.processInfo.environment
      for key in env.keys where key.hasPrefix("TANDEM_") && key != "TANDEM_BIN" { env[key] = nil }
      env.merge(environment) { $1 }
      process.environment = env
      process.standardOutput = output
      process.standardError = errors
      process.standardInput = FileHandle.nullDevice
      try process.run()
      // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
      group.enter()
      DispatchQueue.global().async {
        self.outputData = self.output.fileHandleForReading.readDataToEndOfFile()
        self.group.leave()
      }
      group.enter()
      DispatchQueue.global().async {
        self.errorData = self.errors.fileHandleForReading.readDataToEndOfFile()
        self.group.leave()
      }
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Waits for the end and returns the result.
    public func wait() -> Result {
      process.waitUntilExit()
      group.wait()
      let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
      return Result(
        status: status, standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: String(decoding: errorData, as: UTF8.self))
    }
  }

  /// Starts `tandem` with `arguments`; `TANDEM_*` variables of the test process are cleared
  /// first, then `environment` is applied.
  public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Running {
    try Running(arguments, environment: environment, executable: path)
  }

  /// Starts any program.
  public static func startProgram(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
    -> Running
  {
    try Running(arguments, environment: environment, executable: executable)
  }

  /// Runs `tandem` to the end.
  @discardableResult
  public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
    let result = try start(arguments, environment: environment).wait()
    EnvelopeLog.shared.record(result)
    return result
  }

  /// Runs several `tandem` processes at the same moment and waits for all.
  public static func runTogether(_ invocations: [[String]], environment: [String: String] = [:]) throws -> [Result] {
    let started = try invocations.map { try start($0, environment: environment) }
    let results = started.map { $0.wait() }
    results.forEach(EnvelopeLog.shared.record)
    return results
  }
}
