internal import SystemPlatform

/// The one place that starts processes: `lock run`'s command, credential helpers, `curl`,
/// the demo's processes and the tests' `tandem` processes all start here.
///
/// - Pipes are created close-on-exec in the same step (`pipe2(O_CLOEXEC)`), so a process
///   that another thread starts meanwhile never inherits one (it would hold the pipe open,
///   and its reader waiting, for as long as it lives).
/// - The child starts with every signal at its default action and none blocked, whatever
///   this process set for itself (an ignored `SIGPIPE` or `SIGTERM` would survive `exec`).
/// - With ``Request/newProcessGroup`` the child leads a process group of its own, so that
///   it and everything it starts can be signalled, and ended, as one (``ProcessGroup``).
package enum ProcessSpawner {
  /// Where the child's standard input comes from.
  package enum Input: Sendable {
    /// This process's standard input.
    case inherit
    /// `/dev/null`.
    case null
    /// A pipe; ``SpawnedProcess/standardInput`` is its write end.
    case pipe
    /// A file opened read-only.
    case file(String)
  }

  /// Where the child's standard output or error goes.
  package enum Output: Sendable {
    /// This process's own descriptor of the same number.
    case inherit
    /// A pipe; ``SpawnedProcess/standardOutput`` or ``SpawnedProcess/standardError`` is its
    /// read end.
    case pipe
    /// This process's standard error (for standard output: keeps it free for one JSON
    /// document).
    case standardError
  }

  /// What to start and how.
  package struct Request: Sendable {
    /// The program (searched in `PATH` unless it contains a `/`) and its arguments.
    package var arguments: [String]
    /// The child's whole environment.
    package var environment: ProcessEnvironment
    package var standardInput: Input = .null
    package var standardOutput: Output = .pipe
    package var standardError: Output = .pipe
    /// Start the child as the leader of a new process group.
    package var newProcessGroup = false

    package init(_ arguments: [String], environment: ProcessEnvironment = .inherited()) {
      self.arguments = arguments
      self.environment = environment
    }
  }

  /// Starts a process.
  ///
  /// Throws ``StateError/Code/notFound`` if the program does not exist,
  /// ``StateError/Code/permissionDenied`` if it cannot be executed, else
  /// ``StateError/Code/ioError``.
  package static func spawn(_ request: Request) throws(StateError) -> SpawnedProcess {
    guard let program = request.arguments.first, !program.isEmpty else {
      throw StateError(.invalidArgument, "no program to run")
    }
    // The ends this process keeps, and the ends the child gets (closed here after spawning).
    var kept: (input: Int32, output: Int32, error: Int32) = (-1, -1, -1)
    var given: [Int32] = []
    func closeAll() {
      for fd in given + [kept.input, kept.output, kept.error] where fd >= 0 { SystemCall.release(fd) }
      given = []
    }
    do throws(SystemCallError) {
      var actions = Platform.makeSpawnFileActions()
      try SystemCall.checked(
        "posix_spawn_file_actions_init", returned: posix_spawn_file_actions_init(&actions))
      // Frees what init allocated; it reports an error only for an object never initialised.
      defer { _ = posix_spawn_file_actions_destroy(&actions) }
      func addOpen(_ target: Int32, _ path: String) throws(SystemCallError) {
        try SystemCall.checked(
          "posix_spawn_file_actions_addopen",
          returned: posix_spawn_file_actions_addopen(&actions, target, path, O_RDONLY, 0))
      }
      func addDuplicate(_ fd: Int32, as target: Int32) throws(SystemCallError) {
        try SystemCall.checked(
          "posix_spawn_file_actions_adddup2", returned: posix_spawn_file_actions_adddup2(&actions, fd, target)
        )
      }

      switch request.standardInput {
      case .inherit: break
      case .null: try addOpen(STDIN_FILENO, "/dev/null")
      case .file(let path): try addOpen(STDIN_FILENO, path)
      case .pipe:
        let pipe = try SystemCall.makePipe(flags: O_CLOEXEC)
        kept.input = pipe.write
        given.append(pipe.read)
        try addDuplicate(pipe.read, as: STDIN_FILENO)
      }
      for (output, target) in [
        (request.standardOutput, STDOUT_FILENO), (request.standardError, STDERR_FILENO),
      ] {
        switch output {
        case .inherit: break
        case .standardError where target == STDERR_FILENO:
          break
        case .standardError where !SystemCall.isOpen(STDERR_FILENO):
          // This process was started with standard error closed (`2>&-`): the child's
          // output has nowhere to go either, as a closed standard output in text mode.
          // Duplicating the closed descriptor would fail the spawn (EBADF) and blame the
          // program.
          try SystemCall.checked(
            "posix_spawn_file_actions_addclose", returned: posix_spawn_file_actions_addclose(&actions, target)
          )
        case .standardError:
          try addDuplicate(STDERR_FILENO, as: target)
        case .pipe:
          let pipe = try SystemCall.makePipe(flags: O_CLOEXEC)
          if target == STDOUT_FILENO { kept.output = pipe.read } else { kept.error = pipe.read }
          given.append(pipe.write)
          try addDuplicate(pipe.write, as: target)
        }
      }

      var attributes = Platform.makeSpawnAttributes()
      try SystemCall.checked("posix_spawnattr_init", returned: posix_spawnattr_init(&attributes))
      defer { _ = posix_spawnattr_destroy(&attributes) }
      var all = sigset_t()
      sigfillset(&all)
      var none = SystemCall.signalSet([])
      try SystemCall.checked(
        "posix_spawnattr_setsigdefault", returned: posix_spawnattr_setsigdefault(&attributes, &all))
      try SystemCall.checked(
        "posix_spawnattr_setsigmask", returned: posix_spawnattr_setsigmask(&attributes, &none))
      var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
      if request.newProcessGroup {
        try SystemCall.checked(
          "posix_spawnattr_setpgroup", returned: posix_spawnattr_setpgroup(&attributes, 0))
        flags |= Int32(POSIX_SPAWN_SETPGROUP)
      }
      try SystemCall.checked(
        "posix_spawnattr_setflags", returned: posix_spawnattr_setflags(&attributes, Int16(flags)))

      let cArguments = request.arguments.map { strdup($0) } + [nil]
      let cEnvironment = request.environment.allocatedCStrings() + [nil]
      defer {
        for pointer in cArguments { free(pointer) }
        for pointer in cEnvironment { free(pointer) }
      }
      let pid = try SystemCall.spawn(
        program, actions: &actions, attributes: &attributes, arguments: cArguments, environment: cEnvironment)
      for fd in given { SystemCall.release(fd) }
      given = []
      return SpawnedProcess(
        pid: pid, isGroupLeader: request.newProcessGroup, standardInput: kept.input,
        standardOutput: kept.output, standardError: kept.error)
    } catch let error where error.call == "posix_spawnp" {
      // The program itself could not be run: say which, and that a missing one is NOT_FOUND.
      closeAll()
      var failure = StateError(
        Self.code(ofSpawnFailure: error.errno), "cannot run \(InstanceID.quoted(program)): \(error.reason)")
      failure.systemError = error
      failure.fixRequired = Self.fix(ofSpawnFailure: error.errno, program: program)
      throw failure
    } catch {
      closeAll()
      throw StateError.system(error, path: program, doing: "start")
    }
  }
}

extension ProcessSpawner {
  /// What a program that could not be started is: missing (`ENOENT`), not executable by
  /// this user or not a program at all (`EACCES`, `EPERM`, `ENOEXEC`: the exit table's
  /// `PERMISSION_DENIED`, as a credential helper in that state is), else an I/O failure
  /// (out of processes, memory or descriptors).
  static func code(ofSpawnFailure errno: Int32) -> StateError.Code {
    switch errno {
    case ENOENT: .notFound
    case EACCES, EPERM, ENOEXEC: .permissionDenied
    default: .ioError
    }
  }

  /// What to do about it: a program that exists but cannot be executed is not fixed by
  /// checking its name.
  static func fix(ofSpawnFailure errno: Int32, program: String) -> String {
    let quoted = InstanceID.quoted(program)
    switch errno {
    case EACCES, EPERM:
      return "make \(quoted) executable by this user (chmod +x), or run it through its interpreter"
    case ENOEXEC:
      return
        "\(quoted) is not a program this system can run: add a #! line, or run it through its interpreter"
    default:
      return "check the command name and PATH"
    }
  }
}

/// A process started by ``ProcessSpawner``.
///
/// Whoever holds it should wait for it (``waitForExit()``). A handle dropped without that
/// ends the process (and its group, if it leads one) with `SIGKILL`, closes the pipes and
/// reaps it, so that no zombie and no open pipe is left behind.
package final class SpawnedProcess: @unchecked Sendable {
  /// The process id (and, for a group leader, the process group id).
  package let pid: Int32
  /// Whether the process leads a process group of its own.
  package let isGroupLeader: Bool
  /// The write end of its standard input pipe, or -1. Close it (``closeStandardInput()``)
  /// to signal the end of the input.
  package private(set) var standardInput: Int32
  /// The read end of its standard output pipe, or -1. Owned by this handle.
  package let standardOutput: Int32
  /// The read end of its standard error pipe, or -1. Owned by this handle.
  package let standardError: Int32
  private var termination: ChildProcess.Termination?
  private var pipesClosed = false

  init(pid: Int32, isGroupLeader: Bool, standardInput: Int32, standardOutput: Int32, standardError: Int32) {
    self.pid = pid
    self.isGroupLeader = isGroupLeader
    self.standardInput = standardInput
    self.standardOutput = standardOutput
    self.standardError = standardError
  }

  deinit {
    closePipes()
    if termination == nil { _ = killAndReap() }
  }

  /// Closes the standard input pipe, if there is one.
  package func closeStandardInput() {
    if standardInput >= 0 { SystemCall.release(standardInput) }
    standardInput = -1
  }

  /// Closes every pipe end this handle owns.
  package func closePipes() {
    guard !pipesClosed else { return }
    pipesClosed = true
    closeStandardInput()
    for fd in [standardOutput, standardError] where fd >= 0 { SystemCall.release(fd) }
  }

  /// Waits until the process ends and reaps it.
  package func waitForExit() -> ChildProcess.Termination {
    if let termination { return termination }
    // It is this process's child and not reaped yet (``termination`` is nil), so waitpid can
    // fail only if someone else reaped it (a SIGCHLD set to be ignored): then how it ended is
    // unknown, and reported as a kill.
    let ended =
      (try? SystemCall.wait(for: pid)).map { ChildProcess.Termination(waitStatus: $0.status) }
      ?? .signaled(SIGKILL)
    termination = ended
    return ended
  }

  /// Reaps the process if it has ended, without waiting.
  package func exitIfEnded() -> ChildProcess.Termination? {
    if let termination { return termination }
    // A failure (the child reaped elsewhere) looks like "still running" here, and
    // ``waitForExit()`` then reports it.
    guard let changed = try? SystemCall.wait(for: pid, options: WNOHANG) else { return nil }
    let ended = ChildProcess.Termination(waitStatus: changed.status)
    termination = ended
    return ended
  }

  /// Kills the process with `SIGKILL`, and with it its whole group if it leads one; reaps
  /// it, and those of its group that are children of this process.
  package func killAndReap() -> ChildProcess.Termination {
    // ESRCH: already gone (a zombie still takes the signal), which is the point.
    if termination == nil { try? SystemCall.signal(isGroupLeader ? -pid : pid, SIGKILL) }
    let ended = waitForExit()
    if isGroupLeader { ProcessGroup.killAll(pid) }
    return ended
  }

  /// Records an end observed by other means (a `waitpid` with `WUNTRACED`).
  func recordExit(_ ended: ChildProcess.Termination) { termination = ended }
}

extension ChildProcess.Termination {
  /// Decodes a `waitpid` status of a process that ended.
  init(waitStatus status: Int32) {
    let signal = status & 0x7f
    self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
  }
}
