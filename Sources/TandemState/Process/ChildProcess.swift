#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The process whose signals are being forwarded; read by the signal handler.
nonisolated(unsafe) private var forwardingTarget: pid_t = 0

/// Runs another program to completion, passing on the signals this process receives.
///
/// Used to run a command under a lock: the lock's descriptor is inherited by the child (the
/// caller clears its close-on-exec flag first), so if this process is killed the child keeps
/// the lock until it ends, the way `flock(1)` behaves.
public enum ChildProcess {
  /// How a child ended.
  public enum Termination: Sendable, Equatable {
    /// Exited with this status.
    case exited(Int32)
    /// Killed by this signal.
    case signaled(Int32)

    /// The status a shell would report: the exit status, or 128 plus the signal.
    public var shellStatus: Int32 {
      switch self {
      case .exited(let status): return status
      case .signaled(let signal): return 128 + signal
      }
    }
  }

  /// Signals passed on to the child when another process sends them to this one.
  public static let forwardedSignals: [Int32] = [
    SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM,
  ]

  /// Starts `arguments` (searched in `PATH`), forwards signals to it, and waits for it.
  ///
  /// - Parameters:
  ///   - arguments: the program and its arguments.
  ///   - standardOutputToError: send the child's standard output to this process's standard
  ///     error, keeping standard output free for one JSON document.
  ///   - started: called with the child's pid as soon as it runs.
  ///   - extraEnvironment: `NAME=value` entries added to the child's environment.
  public static func run(
    _ arguments: [String], standardOutputToError: Bool = false, extraEnvironment: [String] = [],
    started: (Int32) -> Void = { _ in }
  ) throws(StateError) -> Termination {
    guard let program = arguments.first, !program.isEmpty else {
      throw StateError(.invalidArgument, "no command to run: give it after --, e.g. -- git push")
    }

    // Block the forwarded signals until the handlers know the child's pid.
    var blocked = sigset_t()
    var previous = sigset_t()
    sigemptyset(&blocked)
    for signal in forwardedSignals { sigaddset(&blocked, signal) }
    pthread_sigmask(SIG_BLOCK, &blocked, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    // A parent may have started this process with some of them blocked (the mask survives
    // exec); they must be deliverable here for forwarding to work.

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var childMask = sigset_t()
    sigemptyset(&childMask)
    posix_spawnattr_setsigmask(&attributes, &childMask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in forwardedSignals + [SIGPIPE] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if standardOutputToError { posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO) }

    var cArguments = arguments.map { strdup($0) } + [nil]
    var environmentStrings: [String] = []
    var index = 0
    while let entry = environ[index] {
      let text = String(cString: entry)
      // A variable given again replaces the inherited one.
      let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
      if !extraEnvironment.contains(where: { $0.hasPrefix(name + "=") }) { environmentStrings.append(text) }
      index += 1
    }
    var cEnvironment = (environmentStrings + extraEnvironment).map { strdup($0) } + [nil]
    defer {
      for pointer in cArguments { free(pointer) }
      for pointer in cEnvironment { free(pointer) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, program, &actions, &attributes, &cArguments, &cEnvironment)
    guard spawned == 0 else {
      var error = StateError(
        spawned == ENOENT ? .notFound : .ioError,
        "cannot run \(InstanceID.quoted(program)): \(SystemCallError("posix_spawnp", errno: spawned).reason)")
      error.systemError = SystemCallError("posix_spawnp", errno: spawned)
      error.fixRequired = "check the command name and PATH"
      throw error
    }
    started(pid)

    forwardingTarget = pid
    var action = sigaction()
    action.sa_flags = SA_SIGINFO | SA_RESTART
    action.__sigaction_handler.sa_sigaction = { signal, info, _ in
      // Signals from the terminal reach the whole process group, the child included; only
      // pass on those sent to this process by another process (kill, timeout, an agent).
      guard let info, info.pointee.si_code <= 0, forwardingTarget > 0 else { return }
      kill(forwardingTarget, signal)
    }
    var saved: [Int32: sigaction] = [:]
    for signal in forwardedSignals {
      var old = sigaction()
      sigaction(signal, &action, &old)
      saved[signal] = old
    }
    pthread_sigmask(SIG_UNBLOCK, &blocked, nil)

    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && lastErrno() == EINTR {}
    for (signal, old) in saved {
      var restore = old
      sigaction(signal, &restore, nil)
    }
    forwardingTarget = 0
    let signal = status & 0x7f
    return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
  }
}
