import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// A `tandem` (or other) process started by the demo, with its output captured.
struct DemoProcess {
  /// What a finished process printed and how it exited.
  struct Result {
    var status: Int32
    var standardOutput: String
    var standardError: String
  }

  private let started: CapturedProcess.Started?

  /// Starts `executable` (this same tandem by default) with `arguments`.
  init(_ arguments: [String], executable: String = DemoProcess.executablePath) {
    started = try? CapturedProcess.start([executable] + arguments)
  }

  /// Waits for the process and collects its output.
  func wait() -> Result {
    guard let result = started?.wait() else {
      return Result(status: 127, standardOutput: "", standardError: "")
    }
    return Result(
      status: result.termination?.shellStatus ?? 137,
      standardOutput: String(decoding: result.standardOutput, as: UTF8.self),
      standardError: String(decoding: result.standardError, as: UTF8.self))
  }

  /// Runs one process to the end.
  static func run(_ arguments: [String]) -> Result { DemoProcess(arguments).wait() }

  /// Runs several processes at the same time and waits for all of them.
  static func runTogether(_ invocations: [[String]]) -> [Result] {
    invocations.map { DemoProcess($0) }.map { $0.wait() }
  }

  /// The path of the running executable.
  static let executablePath: String = {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }()
}
