internal import SystemPlatform

/// The funnel for processes, pipes and terminals (see SystemCall.swift).
extension SystemCall {
  /// Creates a pipe whose ends get `flags` (`O_CLOEXEC`, `O_NONBLOCK`) in the same step,
  /// so no process started meanwhile by another thread inherits them.
  static func makePipe(flags: Int32) throws(SystemCallError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    _ = try checked("pipe2") { fds.withUnsafeMutableBufferPointer { raw.pipe($0.baseAddress!, flags) } }
    return (fds[0], fds[1])
  }

  /// `poll`: waits up to `timeout` (rounded up to whole milliseconds, at most about 24 days)
  /// for one of `entries` to be ready. Returns how many are; 0 when the time ran out. A
  /// signal that interrupts it starts the same wait again, so callers that keep a deadline
  /// wait in short slices.
  static func poll(_ entries: inout [pollfd], timeout: Duration) throws(SystemCallError) -> Int {
    let milliseconds = Int32(clamping: max(0, timeout.roundedUpMilliseconds))
    return Int(
      try checked("poll") {
        entries.withUnsafeMutableBufferPointer { raw.poll($0.baseAddress!, nfds_t($0.count), milliseconds) }
      })
  }

  /// `posix_spawnp`: starts `program` (searched in `PATH` unless it contains a `/`). Returns
  /// the new process's id.
  static func spawn(
    _ program: String, actions: inout posix_spawn_file_actions_t, attributes: inout posix_spawnattr_t,
    arguments: [UnsafeMutablePointer<CChar>?], environment: [UnsafeMutablePointer<CChar>?]
  ) throws(SystemCallError) -> pid_t {
    var pid: pid_t = 0
    // It reports its error as its result, not in errno.
    let error = arguments.withUnsafeBufferPointer { arguments in
      environment.withUnsafeBufferPointer { environment in
        raw.spawn(&pid, program, &actions, &attributes, arguments.baseAddress!, environment.baseAddress!)
      }
    }
    try checked("posix_spawnp", returned: error)
    return pid
  }

  /// `waitpid`: waits for `pid` (or, negative, a member of that process group) to change
  /// state, or with `WNOHANG` looks only. Returns the process and its status; `nil` when
  /// `WNOHANG` found none ready.
  static func wait(for pid: pid_t, options: Int32 = 0) throws(SystemCallError) -> (pid: pid_t, status: Int32)?
  {
    var status: Int32 = 0
    let changed = try checked("waitpid") { raw.waitpid(pid, &status, options) }
    return changed == 0 ? nil : (changed, status)
  }

  /// `kill`: sends `signal` to `pid` (negative: the process group; signal 0: only checks).
  static func signal(_ pid: pid_t, _ signal: Int32) throws(SystemCallError) {
    _ = try checked("kill") { raw.kill(pid, signal) }
  }

  /// This process's id (`getpid`, which cannot fail).
  static var processID: pid_t { getpid() }

  /// This process's process group (`getpgrp`, which cannot fail).
  static var processGroup: pid_t { getpgrp() }

  /// Makes this process the reaper of its orphaned descendants, where the system can.
  static func becomeChildSubreaper() throws(SystemCallError) {
    _ = try checked("prctl(PR_SET_CHILD_SUBREAPER)") { Platform.becomeChildSubreaper() }
  }

  /// Whether `fd` is a terminal.
  static func isTerminal(_ fd: Int32) -> Bool {
    // 0 with ENOTTY or EBADF: not a terminal, which is the whole answer.
    isatty(fd) == 1
  }

  /// The foreground process group of the terminal `fd`.
  static func foregroundGroup(of fd: Int32) throws(SystemCallError) -> pid_t {
    try checked("tcgetpgrp") { tcgetpgrp(fd) }
  }

  /// Makes `group` the foreground process group of the terminal `fd`.
  static func setForegroundGroup(of fd: Int32, to group: pid_t) throws(SystemCallError) {
    _ = try checked("tcsetpgrp") { tcsetpgrp(fd, group) }
  }
}
