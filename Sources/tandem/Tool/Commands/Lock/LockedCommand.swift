import TandemCLI
import TandemState

/// Runs a command while holding locks, as `lock run` and `run` do: the command inherits
/// the locks (and learns it holds them), runs in a process group of its own that gets the
/// signals sent to tandem and is cleaned up when it ends, and its exit status is passed
/// through.
enum LockedCommand {
  /// Runs `body`, which takes the locks a command is to run under. A lock timeout there says
  /// what the caller needs to know: the command was not run (rather than that nothing was
  /// written).
  static func takingLocks<Result>(_ body: () throws -> Result) throws -> Result {
    do {
      return try body()
    } catch var error as StateError where error.conflictReason == .lockTimeout {
      let written = "nothing was written"
      let notRun = "the command was not run"
      error.message =
        error.message.contains(written)
        ? error.message.replacing(written, with: notRun) : error.message + "; " + notRun
      throw error
    }
  }

  /// Runs `command` holding `locks` (already taken, in this order) with `environment`
  /// added; releases them before it returns.
  ///
  /// Only the home's file locks pass to the command: a file lock is an open file, which the
  /// command inherits, so that a `tandem` it runs takes the same lock without waiting on its
  /// own parent (``InheritedLocks``), and which the command keeps if tandem is killed. A lock
  /// of another store (a database's) lives with the session of the process that took it,
  /// this one: the command cannot inherit it, a `tandem` it runs waits for it like any other
  /// process, and it ends when this process ends.
  static func run(
    _ command: [String], holding locks: [any HeldStateLock], intent: LockIntent, environment: [String] = [],
    in context: CommandContext
  ) throws -> LockRunReport {
    let fileLocks = locks.compactMap { $0 as? FileLock }
    // When the run returns the locks are free, even if a process that left CMD's group
    // (`setsid`) still has an inherited descriptor.
    defer {
      for lock in locks.reversed() {
        if let file = lock as? FileLock { file.releaseIncludingInherited() } else { lock.release() }
      }
    }
    // The command inherits the locks, and learns that it holds them: a `tandem` it runs can
    // then take the same lock without waiting on its own parent.
    // One variable lists them all: each entry names what this process inherited plus one lock.
    var listed: [Substring] = []
    for lock in fileLocks {
      _ = lock.makeInheritable()
      let entry = InheritedLocks.environmentEntry(for: lock, tool: context.tool)
      for item in entry.drop(while: { $0 != "=" }).dropFirst().split(separator: ",")
      where !listed.contains(item) {
        listed.append(item)
      }
    }
    let inherited =
      fileLocks.isEmpty ? [] : ["\(context.tool.heldLocksVariable)=" + listed.joined(separator: ",")]
    let started = SystemClock.monotonicMilliseconds()
    let termination = try ChildProcess.run(
      command, standardOutputToError: context.options.output == .json,
      extraEnvironment: inherited + environment
    ) { pid in
      // The command is the holder for as long as it runs, even if tandem is killed.
      for lock in fileLocks {
        lock.updateHolder(
          LockHolder(
            pid: pid, instanceID: intent.instanceID, command: intent.command,
            acquiredAtMilliseconds: SystemClock.wallMilliseconds()))
      }
    }
    let held = SystemClock.monotonicMilliseconds() - started
    for lock in fileLocks where !lock.isLockFileInPlace {
      context.warn(
        "\(lock.path) was removed or replaced while the command ran, so processes that took the new lock "
          + "file were not kept out; lock files must not be removed while in use")
    }
    // The first lock held (the tool's, for `run --serialize`), or none: `run --isolate` of a
    // tool without shared credentials holds no lock while the command runs.
    let heldLock: JSONValue = locks.first.map { .string($0.path) } ?? .null
    switch termination {
    case .exited(0):
      return LockRunReport(
        lock: locks.first?.path, command: command,
        waitedMs: locks.map { $0.waited / .milliseconds(1) }.reduce(0) { $0 + Int64($1) },
        heldMs: held)
    case .exited(let status):
      var failure = CommandFailure(
        code: "COMMAND_FAILED", exitCode: .commandStatus(status),
        message: "\(command[0]) exited with status \(status) (the lock was held \(held) ms)")
      failure.details = [("command_exit_code", .integer(Int64(status))), ("lock", heldLock)]
      // Its status is its answer (`grep -q`, `git diff --quiet`): passed on without a line.
      failure.isQuietInText = true
      throw failure
    case .signaled(let signal):
      var failure = CommandFailure(
        code: "COMMAND_KILLED", exitCode: .commandStatus(termination.shellStatus),
        message: "\(command[0]) was killed by signal \(signal)")
      failure.details = [("signal", .integer(Int64(signal))), ("lock", heldLock)]
      throw failure
    }
  }
}
