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
      instances. A lock timeout exits 6 without running the command. The command runs in a process group of its own and \
      inherits the lock; tandem commands it runs use the held lock instead of waiting for it \
      (TANDEM_HELD_LOCKS), so a script can read, decide and write as one step. Signals sent \
      to tandem (SIGINT, SIGTERM, SIGHUP, ...) are passed on to the whole group. When the \
      command ends, whatever it left running in its group gets SIGTERM, then SIGKILL after \
      1 s, and the lock is released before tandem returns. Only if tandem itself is killed \
      with SIGKILL does the lock stay held until the command ends. A command that exits \
      non-zero passes its status on; in text mode without an error line of tandem's own (as \
      for grep -q), in JSON mode as COMMAND_FAILED with command_exit_code. \
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
    let timeout = try context.options.lockTimeout
    let backend = try context.backend()
    let lock = try LockedCommand.takingLocks { () throws -> any HeldStateLock in
      if let name { return try backend.lock(named: name).acquire(timeout: timeout, intent: intent) }
      return try backend.store(context.options.namespace).acquireLock(timeout: timeout, intent: intent)
    }
    return try LockedCommand.run(command, holding: [lock], intent: intent, in: context)
  }
}

/// What `lock run` answers when the command succeeded (any other outcome is an error).
struct LockRunReport: CommandResult {
  /// The lock file held (the first, when several were), or `nil` when none was.
  let lock: String?
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
