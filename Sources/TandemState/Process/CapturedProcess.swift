#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Runs a helper program with bytes on its standard input and collects what it prints,
/// within a deadline.
///
/// Secrets go to helpers on standard input, never in their argument list, which every user
/// of the machine can read with `ps`.
public enum CapturedProcess {
  /// What a helper printed and how it ended.
  public struct Result: Sendable {
    /// How it ended; `nil` if it was killed at the deadline.
    public var termination: ChildProcess.Termination?
    /// Everything it wrote to standard output.
    public var standardOutput: [UInt8]
    /// Everything it wrote to standard error.
    public var standardError: [UInt8]
    /// Whether the deadline passed and the helper was killed.
    public var timedOut: Bool { termination == nil }
  }

  /// Runs `arguments` (searched in `PATH`), feeding `input`, for at most `timeoutMilliseconds`.
  public static func run(
    _ arguments: [String], input: [UInt8], timeoutMilliseconds: Int64, extraEnvironment: [String] = []
  ) throws(StateError) -> Result {
    try start(arguments, input: input, extraEnvironment: extraEnvironment).wait(
      timeoutMilliseconds: timeoutMilliseconds)
  }

  /// Starts `arguments` (searched in `PATH`) and feeds it `input`; ``Started/wait(timeoutMilliseconds:)``
  /// collects its output. Several can run at once.
  public static func start(
    _ arguments: [String], input: [UInt8] = [], extraEnvironment: [String] = []
  ) throws(StateError) -> Started {
    var inPipe: [Int32] = [0, 0]
    var outPipe: [Int32] = [0, 0]
    var errPipe: [Int32] = [0, 0]
    guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
      throw StateError.system(
        SystemCallError("pipe", errno: lastErrno()), path: arguments.first ?? "", doing: "start")
    }
    for fd in inPipe + outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, inPipe[0], STDIN_FILENO)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], STDOUT_FILENO)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

    var environmentStrings: [String] = []
    var index = 0
    while let entry = environ[index] {
      environmentStrings.append(String(cString: entry))
      index += 1
    }
    environmentStrings += extraEnvironment
    var cEnvironment = environmentStrings.map { strdup($0) } + [nil]
    var cArguments = arguments.map { strdup($0) } + [nil]
    defer {
      cEnvironment.forEach { free($0) }
      cArguments.forEach { free($0) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, &cArguments, &cEnvironment)
    close(inPipe[0])
    close(outPipe[1])
    close(errPipe[1])
    guard spawned == 0 else {
      close(inPipe[1])
      close(outPipe[0])
      close(errPipe[0])
      var error = StateError(
        spawned == ENOENT ? .notFound : .ioError,
        "cannot run \(InstanceID.quoted(arguments[0])): \(SystemCallError("posix_spawnp", errno: spawned).reason)"
      )
      error.systemError = SystemCallError("posix_spawnp", errno: spawned)
      throw error
    }

    // The helper may exit without reading its input; a broken pipe must not kill us.
    let previousPipeHandler = signal(SIGPIPE, SIG_IGN)
    var offset = 0
    while offset < input.count {
      let count = input.withUnsafeBytes { write(inPipe[1], $0.baseAddress! + offset, input.count - offset) }
      if count < 0 && lastErrno() == EINTR { continue }
      if count <= 0 { break }
      offset += count
    }
    close(inPipe[1])
    signal(SIGPIPE, previousPipeHandler)
    return Started(pid: pid, output: outPipe[0], errors: errPipe[0])
  }

  /// A started helper whose output is still to be collected.
  public final class Started {
    /// The helper's process id.
    public let pid: Int32
    private let output: Int32
    private let errors: Int32

    init(pid: Int32, output: Int32, errors: Int32) {
      self.pid = pid
      self.output = output
      self.errors = errors
    }

    /// Collects the output until the helper closes it, then reaps it; kills it (`SIGKILL`)
    /// if it runs past `timeoutMilliseconds`. Call once.
    public func wait(timeoutMilliseconds: Int64 = Int64.max / 2) -> Result {
      let deadline = SystemClock.monotonicMilliseconds() + timeoutMilliseconds
      var collected: [Int32: [UInt8]] = [output: [], errors: []]
      var open = [output, errors]
      var buffer = [UInt8](repeating: 0, count: 16_384)
      var timedOut = false
      while !open.isEmpty {
        let remaining = deadline - SystemClock.monotonicMilliseconds()
        if remaining <= 0 {
          timedOut = true
          break
        }
        var polls = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&polls, nfds_t(polls.count), Int32(min(remaining, 1000)))
        if ready < 0 && lastErrno() != EINTR { break }
        for entry in polls where entry.revents != 0 {
          let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress!, $0.count) }
          if count > 0 {
            collected[entry.fd, default: []] += buffer[0..<count]
          } else if count == 0 || lastErrno() != EINTR {
            open.removeAll { $0 == entry.fd }
            close(entry.fd)
          }
        }
      }
      for fd in open { close(fd) }
      if timedOut { kill(pid, SIGKILL) }
      var status: Int32 = 0
      while waitpid(pid, &status, 0) == -1 && lastErrno() == EINTR {}
      let signal = status & 0x7f
      let termination: ChildProcess.Termination? =
        timedOut ? nil : (signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal))
      return Result(
        termination: termination, standardOutput: collected[output] ?? [],
        standardError: collected[errors] ?? [])
    }
  }
}
