import Synchronization
internal import SystemPlatform

/// The raw system calls under the funnel (``SystemCall``): each returns what the C call
/// returns and leaves the reason in `errno`.
///
/// Production code always runs ``live``. The table exists so that a test can make any call
/// fail with a chosen `errno` (a full disk at `write`, a read-only file system at `rename`,
/// no descriptors left at `pipe`), or fail with `EINTR` a few times, and check what the
/// framework makes of it:
///
/// ```swift
/// var calls = SystemCalls.live
/// calls.write = { _, _, _ in Platform.errno = ENOSPC; return -1 }
/// try SystemCalls.injecting(calls) { try store.update { $0["a"] = "1" } }
/// ```
///
/// Only the funnel reads the table; code elsewhere calls ``SystemCall``.
struct SystemCalls: Sendable {
  // Files.
  var openat: @Sendable (_ directory: Int32, _ path: String, _ flags: Int32, _ mode: mode_t) -> Int32
  var read: @Sendable (_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int
  var write: @Sendable (_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int
  /// Flushes to stable storage (``Platform/synchronize(_:)``: `fsync` on Linux).
  var fsync: @Sendable (_ fd: Int32) -> Int32
  var close: @Sendable (_ fd: Int32) -> Int32
  var renameat:
    @Sendable (_ fromDirectory: Int32, _ from: String, _ toDirectory: Int32, _ to: String) -> Int32
  var unlinkat: @Sendable (_ directory: Int32, _ path: String, _ flags: Int32) -> Int32
  var mkdirat: @Sendable (_ directory: Int32, _ path: String, _ mode: mode_t) -> Int32
  var fchmod: @Sendable (_ fd: Int32, _ mode: mode_t) -> Int32
  var fchmodat: @Sendable (_ directory: Int32, _ path: String, _ mode: mode_t) -> Int32
  var fstat: @Sendable (_ fd: Int32, _ info: UnsafeMutablePointer<stat>) -> Int32
  var fstatat:
    @Sendable (_ directory: Int32, _ path: String, _ info: UnsafeMutablePointer<stat>, _ flags: Int32) ->
      Int32
  var access: @Sendable (_ path: String, _ mode: Int32) -> Int32
  /// `fcntl(2)` with an integer argument (`F_GETFL`, `F_SETFL`, `F_GETFD`, `F_SETFD`).
  var fcntl: @Sendable (_ fd: Int32, _ command: Int32, _ argument: Int32) -> Int32
  /// `flock(2)`: whole-file locks, used on directories.
  var flock: @Sendable (_ fd: Int32, _ operation: Int32) -> Int32
  /// `fcntl(2)` with a record-lock command (``Platform/setLock`` and the others).
  var fileLock: @Sendable (_ fd: Int32, _ command: Int32, _ lock: UnsafeMutablePointer<Glibc.flock>) -> Int32
  var fdopendir: @Sendable (_ fd: Int32) -> OpaquePointer?
  var readdir: @Sendable (_ stream: OpaquePointer) -> UnsafeMutablePointer<dirent>?
  var closedir: @Sendable (_ stream: OpaquePointer) -> Int32

  // Processes.
  /// Creates a pipe with flags on both ends (``Platform/makePipe(_:flags:)``).
  var pipe: @Sendable (_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
  var poll: @Sendable (_ fds: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ milliseconds: Int32) -> Int32
  /// `posix_spawnp`; returns 0 or an error number (it does not set `errno`).
  var spawn:
    @Sendable (
      _ pid: UnsafeMutablePointer<pid_t>, _ program: String,
      _ actions: UnsafePointer<posix_spawn_file_actions_t>,
      _ attributes: UnsafePointer<posix_spawnattr_t>,
      _ arguments: UnsafePointer<UnsafeMutablePointer<CChar>?>,
      _ environment: UnsafePointer<UnsafeMutablePointer<CChar>?>
    ) -> Int32
  var waitpid: @Sendable (_ pid: pid_t, _ status: UnsafeMutablePointer<Int32>, _ options: Int32) -> pid_t
  var kill: @Sendable (_ pid: pid_t, _ signal: Int32) -> Int32

  /// The operating system's calls.
  static let live = SystemCalls(
    openat: { directory, path, flags, mode in Glibc.openat(directory, path, flags, mode) },
    read: { fd, buffer, count in Glibc.read(fd, buffer, count) },
    write: { fd, buffer, count in Glibc.write(fd, buffer, count) },
    fsync: { fd in Platform.synchronize(fd) },
    close: { fd in Glibc.close(fd) },
    renameat: { fromDirectory, from, toDirectory, to in Glibc.renameat(fromDirectory, from, toDirectory, to)
    },
    unlinkat: { directory, path, flags in Glibc.unlinkat(directory, path, flags) },
    mkdirat: { directory, path, mode in Glibc.mkdirat(directory, path, mode) },
    fchmod: { fd, mode in Glibc.fchmod(fd, mode) },
    fchmodat: { directory, path, mode in Glibc.fchmodat(directory, path, mode, 0) },
    fstat: { fd, info in Glibc.fstat(fd, info) },
    fstatat: { directory, path, info, flags in Glibc.fstatat(directory, path, info, flags) },
    access: { path, mode in Glibc.access(path, mode) },
    fcntl: { fd, command, argument in Glibc.fcntl(fd, command, argument) },
    flock: { fd, operation in lockWholeFile(fd, operation) },
    fileLock: { fd, command, lock in Platform.fileLock(fd, command, lock) },
    fdopendir: { fd in Glibc.fdopendir(fd) },
    readdir: { stream in Glibc.readdir(stream) },
    closedir: { stream in Glibc.closedir(stream) },
    pipe: { fds, flags in Platform.makePipe(fds, flags: flags) },
    poll: { fds, count, milliseconds in Glibc.poll(fds, count, milliseconds) },
    spawn: { pid, program, actions, attributes, arguments, environment in
      posix_spawnp(pid, program, actions, attributes, arguments, environment)
    },
    waitpid: { pid, status, options in Glibc.waitpid(pid, status, options) },
    kill: { pid, signal in Glibc.kill(pid, signal) }
  )

  /// Runs `body` with every system call of this task (and of what it calls synchronously)
  /// made through `calls`. For tests; other tasks and threads keep the live calls.
  static func injecting<Result>(_ calls: SystemCalls, _ body: () throws -> Result) rethrows -> Result {
    injectionUsed.store(true, ordering: .relaxed)
    return try $injected.withValue(Table(calls), operation: body)
  }

  /// The table the funnel calls: the injected one, if a test injected one for this task.
  @inline(__always)
  static var current: Table {
    // A relaxed load while no test has injected anything: a process that never injects
    // never pays for the task-local lookup (about 150 instructions per call).
    if injectionUsed.load(ordering: .relaxed), let table = injected { return table }
    return liveTable
  }

  /// A table by reference: the funnel reads one entry per call, without copying the others.
  final class Table: Sendable {
    let calls: SystemCalls
    init(_ calls: SystemCalls) { self.calls = calls }
  }

  private static let liveTable = Table(live)
  private static let injectionUsed = Atomic<Bool>(false)
  @TaskLocal private static var injected: Table?
}

/// `flock(2)`, named apart from the `flock` structure (which `Glibc.flock` would mean).
private func lockWholeFile(_ fd: Int32, _ operation: Int32) -> Int32 {
  flock(fd, operation)
}
