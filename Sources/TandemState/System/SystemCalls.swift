import Synchronization
internal import SystemPlatform

/// System calls a test makes fail: each entry, when set, replaces one raw call under the
/// funnel (``SystemCall``) and behaves like it, returning what the C call would and leaving
/// the reason in `errno`.
///
/// Production code never sets one, and pays for the table only with one relaxed atomic load
/// per call. A test makes any call fail with a chosen `errno` (a full disk at `write`, a
/// read-only file system at `rename`, no descriptors left at `pipe`), or fail with `EINTR`
/// a few times, and checks what the framework makes of it:
///
/// ```swift
/// var calls = SystemCalls()
/// calls.write = { _, _, _ in Glibc.errno = ENOSPC; return -1 }
/// try SystemCalls.injecting(calls) { try store.update { $0["a"] = "1" } }
/// ```
///
/// Only the funnel reads the table; code elsewhere calls ``SystemCall``.
struct SystemCalls: Sendable {
  // Files.
  var openat: (@Sendable (_ directory: Int32, _ path: String, _ flags: Int32, _ mode: mode_t) -> Int32)?
  var read: (@Sendable (_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int)?
  var write: (@Sendable (_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int)?
  /// Flushes to stable storage (``Platform/synchronize(_:)``: `fsync` on Linux).
  var fsync: (@Sendable (_ fd: Int32) -> Int32)?
  var close: (@Sendable (_ fd: Int32) -> Int32)?
  var renameat:
    (@Sendable (_ fromDirectory: Int32, _ from: String, _ toDirectory: Int32, _ to: String) -> Int32)?
  var unlinkat: (@Sendable (_ directory: Int32, _ path: String, _ flags: Int32) -> Int32)?
  var mkdirat: (@Sendable (_ directory: Int32, _ path: String, _ mode: mode_t) -> Int32)?
  var fchmod: (@Sendable (_ fd: Int32, _ mode: mode_t) -> Int32)?
  var fchmodat: (@Sendable (_ directory: Int32, _ path: String, _ mode: mode_t) -> Int32)?
  var fstat: (@Sendable (_ fd: Int32, _ info: UnsafeMutablePointer<stat>) -> Int32)?
  var fstatat:
    (
      @Sendable (_ directory: Int32, _ path: String, _ info: UnsafeMutablePointer<stat>, _ flags: Int32) ->
        Int32
    )?
  var access: (@Sendable (_ path: String, _ mode: Int32) -> Int32)?
  /// `fcntl(2)` with an integer argument (`F_GETFL`, `F_SETFL`, `F_GETFD`, `F_SETFD`).
  var fcntl: (@Sendable (_ fd: Int32, _ command: Int32, _ argument: Int32) -> Int32)?
  /// `flock(2)`: whole-file locks, used on directories.
  var flock: (@Sendable (_ fd: Int32, _ operation: Int32) -> Int32)?
  /// `fcntl(2)` with a record-lock command (``Platform/setLock`` and the others).
  var fileLock:
    (@Sendable (_ fd: Int32, _ command: Int32, _ lock: UnsafeMutablePointer<Glibc.flock>) -> Int32)?
  var fdopendir: (@Sendable (_ fd: Int32) -> OpaquePointer?)?
  var readdir: (@Sendable (_ stream: OpaquePointer) -> UnsafeMutablePointer<dirent>?)?
  var closedir: (@Sendable (_ stream: OpaquePointer) -> Int32)?

  // Processes.
  /// Creates a pipe with flags on both ends (``Platform/makePipe(_:flags:)``).
  var pipe: (@Sendable (_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32)?
  var poll:
    (@Sendable (_ fds: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ milliseconds: Int32) -> Int32)?
  /// `posix_spawnp`; returns 0 or an error number (it does not set `errno`).
  var spawn:
    (
      @Sendable (
        _ pid: UnsafeMutablePointer<pid_t>, _ program: String,
        _ actions: UnsafePointer<posix_spawn_file_actions_t>,
        _ attributes: UnsafePointer<posix_spawnattr_t>,
        _ arguments: UnsafePointer<UnsafeMutablePointer<CChar>?>,
        _ environment: UnsafePointer<UnsafeMutablePointer<CChar>?>
      ) -> Int32
    )?
  var waitpid: (@Sendable (_ pid: pid_t, _ status: UnsafeMutablePointer<Int32>, _ options: Int32) -> pid_t)?
  var kill: (@Sendable (_ pid: pid_t, _ signal: Int32) -> Int32)?

  /// Runs `body` with the calls set in `calls` replacing the system's, for every system call
  /// of this task (and of what it calls synchronously). For tests; other tasks and threads
  /// keep the system's calls.
  static func injecting<Result>(_ calls: SystemCalls, _ body: () throws -> Result) rethrows -> Result {
    injectionUsed.store(true, ordering: .relaxed)
    return try $table.withValue(Table(calls), operation: body)
  }

  /// The calls a test injected for this task, if any.
  @inline(__always)
  static var injected: SystemCalls? {
    // A relaxed load while no test has injected anything: a process that never injects
    // never pays for the task-local lookup (about 150 instructions per call).
    guard injectionUsed.load(ordering: .relaxed) else { return nil }
    return table?.calls
  }

  /// The table by reference, as a task-local value holds it.
  final class Table: Sendable {
    let calls: SystemCalls
    init(_ calls: SystemCalls) { self.calls = calls }
  }

  private static let injectionUsed = Atomic<Bool>(false)
  @TaskLocal private static var table: Table?
}
