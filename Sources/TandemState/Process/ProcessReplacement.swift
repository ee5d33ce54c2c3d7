internal import SystemPlatform

/// Replacing the running process with another executable, as a tool does to hand a command
/// line to a second executable of its own (a store served there).
package enum ProcessReplacement {
  /// The running executable's path, links resolved; `nil` when the system cannot tell.
  package static func runningExecutable() -> String? { Platform.runningExecutablePath() }

  /// The path of `fileName` in the directory of the running executable, or `nil` when the
  /// running executable's path is unknown.
  package static func besideRunningExecutable(_ fileName: String) -> String? {
    guard let running = runningExecutable(), let slash = running.utf8.lastIndex(of: UInt8(ascii: "/")) else {
      return nil
    }
    return String(running[...slash]) + fileName
  }

  /// Replaces this process with the executable at `path`, given this process's own
  /// arguments (`argv[0]` too) and environment. Returns only when that fails, with the
  /// error: `ENOENT` when there is no such file, `EACCES` when it may not be run.
  package static func replace(with path: String) -> SystemCallError {
    _ = execv(path, CommandLine.unsafeArgv)
    return SystemCallError("execv", errno: Platform.errno)
  }
}
