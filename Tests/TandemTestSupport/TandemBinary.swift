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
  ///
  /// Spawned with `posix_spawn` directly rather than Foundation's `Process`: tests start
  /// many processes from parallel threads, and every pipe here is close-on-exec and created
  /// under one lock, so no child ever inherits another test's pipe (which would hold that
  /// pipe open, and its reader waiting, for as long as the unrelated child lives).
  public final class Running: @unchecked Sendable {
    /// The process id.
    public let pid: Int32
    private var outputData = Data()
    private var errorData = Data()
    private let group = DispatchGroup()
    private static let spawnLock = NSLock()

    init(_ arguments: [String], environment: [String: String], executable: String, input: String? = nil)
      throws
    {
      var env = ProcessInfo.processInfo.environment
      for key in env.keys where key.hasPrefix("TANDEM_") && key != "TANDEM_BIN" { env[key] = nil }
      env.merge(environment) { $1 }
      let cEnvironment = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
      let cArguments = ([executable] + arguments).map { strdup($0) } + [nil]
      defer {
        cEnvironment.forEach { free($0) }
        cArguments.forEach { free($0) }
      }
      var outPipe: [Int32] = [0, 0]
      var errPipe: [Int32] = [0, 0]
      var actions = posix_spawn_file_actions_t()
      posix_spawn_file_actions_init(&actions)
      defer { posix_spawn_file_actions_destroy(&actions) }
      var child: pid_t = 0
      Self.spawnLock.lock()
      pipe(&outPipe)
      pipe(&errPipe)
      for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
      posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
      posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
      posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
      // Children start with default signal handling and nothing blocked, whatever the test
      // runner set for itself (an ignored SIGTERM would survive exec).
      var attributes = posix_spawnattr_t()
      posix_spawnattr_init(&attributes)
      defer { posix_spawnattr_destroy(&attributes) }
      var all = sigset_t()
      sigfillset(&all)
      var none = sigset_t()
      sigemptyset(&none)
      posix_spawnattr_setsigdefault(&attributes, &all)
      posix_spawnattr_setsigmask(&attributes, &none)
      posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
      let result = posix_spawn(&child, executable, &actions, &attributes, cArguments, cEnvironment)
      close(outPipe[1])
      close(errPipe[1])
      Self.spawnLock.unlock()
      guard result == 0 else {
        close(outPipe[0])
        close(errPipe[0])
        throw NSError(domain: NSPOSIXErrorDomain, code: Int(result))
      }
      pid = child
      // One thread per pipe, not Dispatch's pool: with 2 cores its few threads would all sit
      // in the blocking reads of long-running children while short ones wait their turn.
      for (fd, isOutput) in [(outPipe[0], true), (errPipe[0], false)] {
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
      close(fd)
      return data
    }

    /// Waits for the end and returns the result.
    public func wait() -> Result {
      var status: Int32 = 0
      while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
      group.wait()
      let signal = status & 0x7f
      return Result(
        status: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
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
