internal import CTandemSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The process group whose signals are being forwarded; read by the signal handler.
private let forwardingGroup = Atomic<Int32>(0)

/// Runs another program to completion in a process group of its own, passing on the
/// signals this process receives to the whole group, and ending what is left of the group
/// when the program ends.
///
/// Used to run a command under a lock: the lock's descriptor is inherited by the child (the
/// caller clears its close-on-exec flag first), so if this process is killed with `SIGKILL`
/// the child keeps the lock until it ends, the way `flock(1)` behaves.
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

  /// Signals passed on to the child's process group when this process receives them.
  public static let forwardedSignals: [Int32] = [
    SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM,
  ]

  /// How long, in milliseconds, the processes the command leaves in its group get between
  /// `SIGTERM` and `SIGKILL` once the command has ended.
  public static var groupGraceMilliseconds: Int64 { ProcessGroup.graceMilliseconds }

  /// Starts `arguments` (searched in `PATH`) as the leader of a new process group, forwards
  /// signals to that group, and waits for it.
  ///
  /// When the program has ended, whatever is left of its group (processes it started in
  /// the background) gets `SIGTERM`, and `SIGKILL` after ``groupGraceMilliseconds``; this
  /// returns once the group is empty. Only a process that left the group (`setsid`,
  /// `setpgid`) outlives it. This process becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`)
  /// so that it can reap the orphans of the group.
  ///
  /// At a terminal, when this process is the foreground job: the terminal stays with this
  /// process's group (so a pipeline such as `tandem lock run -- git log | less` keeps it),
  /// and Ctrl-C reaches the command through forwarding. The first time the command needs
  /// the terminal (it is stopped by `SIGTTIN` or `SIGTTOU` for reading it or changing its
  /// modes), its group is made the terminal's foreground group and continued; the terminal
  /// is taken back when it ends. A stop (Ctrl-Z, `SIGTSTP`, also forwarded) stops this
  /// process too, so the shell sees the job stopped; when the shell continues it, the
  /// command is continued as well.
  ///
  /// - Parameters:
  ///   - arguments: the program and its arguments.
  ///   - standardOutputToError: send the child's standard output to this process's standard
  ///     error, keeping standard output free for one JSON document.
  ///   - started: called with the child's pid as soon as it runs.
  ///   - extraEnvironment: `NAME=value` entries that replace or add to the inherited
  ///     environment.
  public static func run(
    _ arguments: [String], standardOutputToError: Bool = false, extraEnvironment: [String] = [],
    started: (Int32) -> Void = { _ in }
  ) throws(StateError) -> Termination {
    guard let program = arguments.first, !program.isEmpty else {
      throw StateError(.invalidArgument, "no command to run: give it after --, e.g. -- git push")
    }

    // Block the forwarded signals until the handlers know the child's group.
    var blocked = sigset_t()
    var previous = sigset_t()
    sigemptyset(&blocked)
    for signal in forwardedSignals + [SIGTSTP] { sigaddset(&blocked, signal) }
    pthread_sigmask(SIG_BLOCK, &blocked, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }

    _ = tandem_set_child_subreaper()
    let terminal = foregroundTerminal()
    var environment = ProcessEnvironment.inherited()
    for entry in extraEnvironment { environment.set(entry) }
    var request = ProcessSpawner.Request(arguments, environment: environment)
    request.standardInput = .inherit
    request.standardOutput = standardOutputToError ? .standardError : .inherit
    request.standardError = .inherit
    request.newProcessGroup = true
    let child = try ProcessSpawner.spawn(request)
    started(child.pid)

    forwardingGroup.store(child.pid, ordering: .sequentiallyConsistent)
    var action = sigaction()
    action.sa_flags = SA_RESTART
    action.__sigaction_handler.sa_handler = { signal in
      // To the whole group: the command's children keep the lock as much as it does. Signals
      // from the terminal count too: the command's group is not this process's, so a Ctrl-C
      // that reached only this process must be passed on.
      let group = forwardingGroup.load(ordering: .sequentiallyConsistent)
      if group > 0 { kill(-group, signal) }
    }
    var saved: [(Int32, sigaction)] = []
    // Ctrl-Z is passed on too, at a terminal (where the job stops and continues as a whole).
    for signal in forwardedSignals + (terminal == nil ? [] : [SIGTSTP]) {
      var old = sigaction()
      sigaction(signal, &action, &old)
      saved.append((signal, old))
    }
    // A parent may have started this process with some of them blocked (the mask survives
    // exec); they must be deliverable here for forwarding to work.
    pthread_sigmask(SIG_UNBLOCK, &blocked, nil)

    let termination = waitHandlingStops(child, terminal: terminal)
    ProcessGroup.end(child.pid)

    pthread_sigmask(SIG_BLOCK, &blocked, nil)
    forwardingGroup.store(0, ordering: .sequentiallyConsistent)
    for (signal, old) in saved {
      var restore = old
      sigaction(signal, &restore, nil)
    }
    return termination
  }

  /// Waits for `child` to end, handling its stops at a terminal (see ``run``). Returns how it
  /// ended; the terminal is this process's group's again when this returns.
  private static func waitHandlingStops(_ child: SpawnedProcess, terminal: Int32?) -> Termination {
    var handedOver = false
    defer { if let terminal, handedOver { takeTerminal(terminal) } }
    while true {
      var status: Int32 = 0
      let result = waitpid(child.pid, &status, terminal == nil ? 0 : WUNTRACED)
      if result == -1 {
        if lastErrno() == EINTR { continue }
        return child.waitForExit()
      }
      if let terminal, status & 0xff == 0x7f {  // WIFSTOPPED
        let signal = (status >> 8) & 0xff
        if signal == SIGTTIN || signal == SIGTTOU {
          // It wants the terminal: give it the foreground.
          giveTerminal(terminal, to: child.pid)
          handedOver = true
        } else {
          // Ctrl-Z: stop this job as a whole, with the terminal back at the shell's job.
          if handedOver { takeTerminal(terminal) }
          raise(SIGSTOP)
          // Continued (`fg`): the command continues too, with the terminal if it had it.
          if handedOver { giveTerminal(terminal, to: child.pid) }
        }
        kill(-child.pid, SIGCONT)
        continue
      }
      let ended = Termination(waitStatus: status)
      child.recordExit(ended)
      return ended
    }
  }

  /// The first of standard input, output and error that is a terminal whose foreground
  /// process group is this process's, if any.
  private static func foregroundTerminal() -> Int32? {
    for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where isatty(fd) == 1 {
      if tcgetpgrp(fd) == getpgrp() { return fd }
    }
    return nil
  }

  /// Makes this process's group the terminal's foreground group again.
  private static func takeTerminal(_ fd: Int32) { giveTerminal(fd, to: getpgrp()) }

  /// Sets the terminal's foreground group. `SIGTTOU` is blocked meanwhile: a process that is
  /// not in the foreground group would otherwise be stopped for trying.
  private static func giveTerminal(_ fd: Int32, to group: Int32) {
    var ttou = sigset_t()
    var previous = sigset_t()
    sigemptyset(&ttou)
    sigaddset(&ttou, SIGTTOU)
    pthread_sigmask(SIG_BLOCK, &ttou, &previous)
    _ = tcsetpgrp(fd, group)
    pthread_sigmask(SIG_SETMASK, &previous, nil)
  }
}
