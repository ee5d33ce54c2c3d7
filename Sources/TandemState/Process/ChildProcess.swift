import Synchronization
internal import SystemPlatform

/// The process group whose signals are being forwarded; read by the signal handler.
private let forwardingGroup = Atomic<Int32>(0)

/// Runs another program to completion in a process group of its own, passing on the
/// signals this process receives to the whole group, and ending what is left of the group
/// when the program ends.
///
/// Used to run a command under a lock: the lock's descriptor is inherited by the child (the
/// caller clears its close-on-exec flag first), so if this process is killed with `SIGKILL`
/// the child keeps the lock until it ends, the way `flock(1)` behaves.
package enum ChildProcess {
  /// How a child ended.
  package enum Termination: Sendable, Equatable {
    /// Exited with this status.
    case exited(Int32)
    /// Killed by this signal.
    case signaled(Int32)

    /// The status a shell would report: the exit status, or 128 plus the signal.
    package var shellStatus: Int32 {
      switch self {
      case .exited(let status): return status
      case .signaled(let signal): return 128 + signal
      }
    }
  }

  /// Signals passed on to the child's process group when this process receives them.
  package static let forwardedSignals: [Int32] = [
    SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM,
  ]

  /// How long the processes the command leaves in its group get between `SIGTERM` and
  /// `SIGKILL` once the command has ended.
  package static var groupGrace: Duration { ProcessGroup.grace }

  /// Starts `arguments` (searched in `PATH`) as the leader of a new process group, forwards
  /// signals to that group, and waits for it.
  ///
  /// When the program has ended, whatever is left of its group (processes it started in
  /// the background) gets `SIGTERM`, and `SIGKILL` after ``groupGrace``; this
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
  package static func run(
    _ arguments: [String], standardOutputToError: Bool = false, extraEnvironment: [String] = [],
    started: (Int32) -> Void = { _ in }
  ) throws(StateError) -> Termination {
    guard let program = arguments.first, !program.isEmpty else {
      throw StateError(.invalidArgument, "no command to run: give it after --, e.g. -- git push")
    }

    // Block the forwarded signals until the handlers know the child's group.
    let blocked = SystemCall.signalSet(forwardedSignals + [SIGTSTP])
    let previous = SystemCall.changeSignalMask(SIG_BLOCK, blocked)
    defer { SystemCall.changeSignalMask(SIG_SETMASK, previous) }

    // Without it (a system that has no subreapers), orphans of the group go to PID 1 and are
    // still ended by signal; only their reaping is left to it.
    try? SystemCall.becomeChildSubreaper()
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
    Platform.setHandler(
      { signal in
        // To the whole group: the command's children keep the lock as much as it does.
        // Signals from the terminal count too: the command's group is not this process's,
        // so a Ctrl-C that reached only this process must be passed on. (A raw `kill`: only
        // async-signal-safe calls here; a group already gone has nobody to tell.)
        let group = forwardingGroup.load(ordering: .sequentiallyConsistent)
        if group > 0 { _ = kill(-group, signal) }
      }, of: &action)
    var saved: [(Int32, sigaction)] = []
    // Ctrl-Z is passed on too, at a terminal (where the job stops and continues as a whole).
    for signal in forwardedSignals + (terminal == nil ? [] : [SIGTSTP]) {
      saved.append((signal, SystemCall.setSignalAction(signal, action)))
    }
    // A parent may have started this process with some of them blocked (the mask survives
    // exec); they must be deliverable here for forwarding to work.
    SystemCall.changeSignalMask(SIG_UNBLOCK, blocked)

    let termination = waitHandlingStops(child, terminal: terminal)
    ProcessGroup.end(child.pid)

    SystemCall.changeSignalMask(SIG_BLOCK, blocked)
    forwardingGroup.store(0, ordering: .sequentiallyConsistent)
    for (signal, old) in saved {
      SystemCall.setSignalAction(signal, old)
    }
    return termination
  }

  /// Waits for `child` to end, handling its stops at a terminal (see ``run``). Returns how it
  /// ended; the terminal is this process's group's again when this returns.
  private static func waitHandlingStops(_ child: SpawnedProcess, terminal: Int32?) -> Termination {
    var handedOver = false
    defer { if let terminal, handedOver { takeTerminal(terminal) } }
    while true {
      guard let changed = try? SystemCall.wait(for: child.pid, options: terminal == nil ? 0 : WUNTRACED)
      else {
        // Reaped elsewhere: ``SpawnedProcess/waitForExit()`` says so.
        return child.waitForExit()
      }
      let status = changed.status
      if let terminal, status & 0xff == 0x7f {  // WIFSTOPPED
        let signal = (status >> 8) & 0xff
        if signal == SIGTTIN || signal == SIGTTOU {
          // It wants the terminal: give it the foreground.
          giveTerminal(terminal, to: child.pid)
          handedOver = true
        } else {
          // Ctrl-Z: stop this job as a whole, with the terminal back at the shell's job.
          if handedOver { takeTerminal(terminal) }
          SystemCall.raiseSignal(SIGSTOP)
          // Continued (`fg`): the command continues too, with the terminal if it had it.
          if handedOver { giveTerminal(terminal, to: child.pid) }
        }
        // ESRCH: it ended meanwhile, which the next wait reports.
        try? SystemCall.signal(-child.pid, SIGCONT)
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
    for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where SystemCall.isTerminal(fd) {
      if (try? SystemCall.foregroundGroup(of: fd)) == SystemCall.processGroup { return fd }
    }
    return nil
  }

  /// Makes this process's group the terminal's foreground group again.
  private static func takeTerminal(_ fd: Int32) { giveTerminal(fd, to: SystemCall.processGroup) }

  /// Sets the terminal's foreground group. `SIGTTOU` is blocked meanwhile: a process that is
  /// not in the foreground group would otherwise be stopped for trying.
  private static func giveTerminal(_ fd: Int32, to group: Int32) {
    let previous = SystemCall.changeSignalMask(SIG_BLOCK, SystemCall.signalSet([SIGTTOU]))
    // A terminal that went away (a closed window) has no foreground to hand over: the
    // command then runs, or ends, without one, as it would under a shell.
    try? SystemCall.setForegroundGroup(of: fd, to: group)
    SystemCall.changeSignalMask(SIG_SETMASK, previous)
  }
}
