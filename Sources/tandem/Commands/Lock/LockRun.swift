import ArgumentParser
import TandemCLI
import TandemState

/// `tandem lock run [--name NAME] -- CMD ARGS...`
struct LockRun: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a command while holding a lock; exit with the command's status.",
    discussion: """
      Without --name the lock is the current namespace's config lock, so config writes wait \
      while the command runs. With --name it is a named lock under the home, shared by all \
      instances. A lock timeout exits 6. The command runs in a process group of its own and \
      inherits the lock; tandem commands it runs use the held lock instead of waiting for it \
      (TANDEM_HELD_LOCKS), so a script can read, decide and write as one step. Signals sent \
      to tandem (SIGINT, SIGTERM, SIGHUP, ...) are passed on to the whole group. When the \
      command ends, whatever it left running in its group gets SIGTERM, then SIGKILL after \
      1 s, and the lock is released before tandem returns. Only if tandem itself is killed \
      with SIGKILL does the lock stay held until the command ends. \
      In JSON mode the command's standard output goes to standard error, so that standard \
      output carries exactly one JSON document.
      """
  )

  @Option(help: ArgumentHelp("A named lock, shared by all instances.", valueName: "name"))
  var name: String?

  @Argument(parsing: .postTerminator, help: ArgumentHelp("The command, after --.", valueName: "command"))
  var command: [String] = []

  func execute(in context: CommandContext) throws -> LockRunReport {
    guard !command.isEmpty else {
      throw CommandFailure.usage("no command to run: put it after --, e.g. tandem lock run -- git push")
    }
    let summary = command.joined(separator: " ")
    let intent = context.intent("-- " + summary)
    let lock: FileLock
    if let name {
      lock = try NamedLock(home: context.options.home, name: name).acquire(
        timeout: context.options.lockTimeout, intent: intent)
    } else {
      lock = try ConfigStore(home: context.options.home, namespace: context.options.namespace)
        .acquireLock(timeout: context.options.lockTimeout, intent: intent)
    }
    // When `lock run` returns the lock is free, even if a process that left CMD's group
    // (`setsid`) still has the inherited descriptor.
    defer { lock.releaseIncludingInherited() }
    // The command inherits the lock, and learns that it holds it: a `tandem` it runs can
    // then take the same lock without waiting on its own parent.
    _ = lock.makeInheritable()
    let inherited = InheritedLocks.environmentEntry(for: lock, tool: context.tool)
    let started = SystemClock.monotonicMilliseconds()
    let termination = try ChildProcess.run(
      command, standardOutputToError: context.options.output == .json, extraEnvironment: [inherited]
    ) { pid in
      // The command is the holder for as long as it runs, even if tandem is killed.
      lock.updateHolder(
        LockHolder(
          pid: pid, instanceID: intent.instanceID, command: intent.command,
          acquiredAtMilliseconds: SystemClock.wallMilliseconds()))
    }
    let held = SystemClock.monotonicMilliseconds() - started
    if !lock.isLockFileInPlace {
      context.warn(
        "\(lock.path) was removed or replaced while the command ran, so processes that took the new lock "
          + "file were not kept out; lock files must not be removed while in use")
    }
    switch termination {
    case .exited(0):
      return LockRunReport(lock: lock.path, command: command, waitedMs: lock.waitedMilliseconds, heldMs: held)
    case .exited(let status):
      var failure = CommandFailure(
        code: "COMMAND_FAILED", exitCode: .commandStatus(status),
        message: "\(command[0]) exited with status \(status) (the lock was held \(held) ms)")
      failure.details = [("command_exit_code", .integer(Int64(status))), ("lock", .string(lock.path))]
      throw failure
    case .signaled(let signal):
      var failure = CommandFailure(
        code: "COMMAND_KILLED", exitCode: .commandStatus(termination.shellStatus),
        message: "\(command[0]) was killed by signal \(signal)")
      failure.details = [("signal", .integer(Int64(signal))), ("lock", .string(lock.path))]
      throw failure
    }
  }
}

/// What `lock run` answers when the command succeeded (any other outcome is an error).
struct LockRunReport: CommandResult {
  /// The lock file held.
  let lock: String
  /// The command run, word by word.
  let command: [String]
  /// The command's exit status: always 0 here.
  let exitCode = 0
  /// How long it waited for the lock.
  let waitedMs: Int64
  /// How long the lock was held, that is how long the command ran.
  let heldMs: Int64

  // Text mode prints nothing of its own: standard output is the command's.
  var text: String? { "" }
}
