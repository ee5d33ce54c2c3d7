#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// A `tandem` process started by the demo, with its output captured.
final class DemoProcess {
  let pid: pid_t
  private let output: Int32
  private let errors: Int32

  /// What a finished process printed and how it exited.
  struct Result {
    var status: Int32
    var standardOutput: String
    var standardError: String
  }

  /// Starts `executable` (this same tandem by default) with `arguments`.
  init(_ arguments: [String], executable: String = DemoProcess.executablePath) {
    var outPipe: [Int32] = [0, 0]
    var errPipe: [Int32] = [0, 0]
    pipe(&outPipe)
    pipe(&errPipe)
    for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], STDOUT_FILENO)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO)
    var cArguments = ([executable] + arguments).map { strdup($0) } + [nil]
    var child: pid_t = 0
    let result = posix_spawn(&child, executable, &actions, nil, &cArguments, environ)
    posix_spawn_file_actions_destroy(&actions)
    for pointer in cArguments { free(pointer) }
    close(outPipe[1])
    close(errPipe[1])
    pid = result == 0 ? child : -1
    output = outPipe[0]
    errors = errPipe[0]
  }

  /// Waits for the process and collects its output.
  func wait() -> Result {
    let out = Self.drain(output)
    let err = Self.drain(errors)
    var status: Int32 = 0
    if pid > 0 { while waitpid(pid, &status, 0) == -1 && errno == EINTR {} }
    let code = pid > 0 ? ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)) : 127
    return Result(status: code, standardOutput: out, standardError: err)
  }

  /// Runs one process to the end.
  static func run(_ arguments: [String]) -> Result { DemoProcess(arguments).wait() }

  /// Runs several processes at the same time and waits for all of them.
  static func runTogether(_ invocations: [[String]]) -> [Result] {
    invocations.map { DemoProcess($0) }.map { $0.wait() }
  }

  private static func drain(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 4096) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { break }
      bytes.append(contentsOf: buffer[0..<count])
    }
    close(fd)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The path of the running executable.
  static let executablePath: String = {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }()
}
