import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// A process the demo starts (an agent's shell loop, `git`, this same `tandem`), with its
/// output captured.
struct DemoProcess {
  /// What a finished process printed and how it exited.
  struct Result {
    /// The exit status as a shell reports it (128 + N for signal N; 127 if it never started).
    var status: Int32
    var standardOutput: String
    var standardError: String
  }

  private let started: CapturedProcess.Started?
  private let startFailure: String?

  /// Starts `arguments` (the program is searched in the `PATH` of `environment`) with
  /// exactly `environment`, and `input` on its standard input.
  init(_ arguments: [String], environment: ProcessEnvironment, input: [UInt8] = []) {
    do {
      started = try CapturedProcess.start(arguments, input: input, environment: environment)
      startFailure = nil
    } catch {
      started = nil
      startFailure = error.message
    }
  }

  /// Waits for the process and collects its output.
  func wait() -> Result {
    guard let result = started?.wait() else {
      return Result(status: 127, standardOutput: "", standardError: startFailure ?? "")
    }
    return Result(
      status: result.termination?.shellStatus ?? 137,
      standardOutput: String(decoding: result.standardOutput, as: UTF8.self),
      standardError: String(decoding: result.standardError, as: UTF8.self))
  }

  /// Waits for processes started together. On a signal (``DemoInterruption``) it stops
  /// waiting: the processes not waited for are killed as they are dropped.
  static func waitAll(_ processes: [DemoProcess]) throws(DemoInterruption.Interrupted) -> [Result] {
    var results: [Result] = []
    for process in processes {
      results.append(process.wait())
      try DemoInterruption.check()
    }
    return results
  }

  /// The path of the running executable, which the agents run as `tandem`.
  static let executablePath: String = {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }()
}

extension String {
  /// The text without trailing new lines and spaces.
  func trimmingTrailingWhiteSpace() -> String {
    var text = Substring(self)
    while let last = text.last, last == "\n" || last == " " || last == "\r" { text.removeLast() }
    return String(text)
  }

  /// The last line that is not empty, for quoting a failed program's standard error.
  var lastLine: String {
    String(split(separator: "\n").last(where: { !$0.allSatisfy { $0 == " " } }) ?? "")
  }
}
