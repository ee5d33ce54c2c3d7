// The one file that knows which operating system TandemState runs on.
//
// TandemState's files import this module instead of the C library: it re-exports the C
// library (to them only; their import is internal, so TandemState's users never see it) and
// adds ``Platform``, the calls and constants that are specific to Linux and glibc. The
// system-call funnel (Sources/TandemState/System/SystemCall.swift) goes through them.
//
// Supported today: Linux with glibc. Anything else stops here with an #error, rather than
// compiling into a tool whose locks or durable writes quietly mean something else.
//
// A port is this file's work. For macOS it has to provide:
// - the C library: `@_exported public import Darwin`;
// - `errno`: `Darwin.errno`;
// - record locks owned by the open file description (``Platform/getLock`` and the other
//   commands): Darwin's `F_OFD_SETLK`, `F_OFD_SETLKW`, `F_OFD_GETLK` (private in the SDK:
//   values 90, 91, 92), or `flock(2)` for the whole-file locks, which is also owned by the
//   open file description; byte ranges (nested `lock run` levels) need the OFD commands;
// - ``Platform/synchronize(_:)``: `fcntl(fd, F_FULLFSYNC)` (Darwin's `fsync` does not flush
//   the drive's cache), falling back to `fsync` where the file system refuses it;
// - ``Platform/makePipe(_:flags:)``: `pipe` then `fcntl(F_SETFD, FD_CLOEXEC)` and
//   `fcntl(F_SETFL, O_NONBLOCK)` (Darwin has no `pipe2`), made while holding a lock that
//   every spawn takes, so no child inherits a pipe in between;
// - ``Platform/becomeChildSubreaper()``: no equivalent; return -1 with `ENOSYS`, and
//   orphans of a `lock run` go to launchd (ProcessGroup still ends the group by signal);
// - ``Platform/modificationMilliseconds(of:)``: `st_mtimespec` instead of `st_mtim`;
// - ``Platform/setHandler(_:of:)``: `__sigaction_u.__sa_handler`;
// - ``Platform/environment``: `_NSGetEnviron().pointee`;
// - ``Platform/takePendingSignal(_:)``: Darwin has no `sigtimedwait`; `sigwait` on a signal
//   known to be pending;
// - ``Platform/makeSpawnFileActions()`` and ``Platform/makeSpawnAttributes()``: Darwin's
//   types are optional pointers, initialised by `posix_spawn_file_actions_init`;
// - ``Platform/runningExecutablePath()``: `_NSGetExecutablePath`, then `realpath`.
// The `O_` flags, `AT_` flags and errno names TandemState uses are POSIX and have the same
// names (not always the same values, which come from the headers) on both.

#if os(Linux) && canImport(Glibc)
  @_exported public import Glibc
  internal import CPlatformShims
#else
  #error(
    "TandemState supports Linux with glibc only. Sources/SystemPlatform/Platform.swift lists what a port has to provide."
  )
#endif

/// What is specific to the operating system and its C library, as raw calls: they return
/// what the C call returns and leave the reason in ``errno``. Checking results, retrying on
/// `EINTR` and turning `errno` into errors is the funnel's job (`SystemCall` in TandemState).
package enum Platform {
  /// The calling thread's `errno`.
  package static var errno: Int32 {
    get { Glibc.errno }
    set { Glibc.errno = newValue }
  }

  // Record locks owned by the open file description (Linux `F_OFD_*`, <fcntl.h>; the headers
  // define them only under _GNU_SOURCE): unlike POSIX record locks they conflict between two
  // opens in one process, pass to a child with the descriptor, and are released when the
  // last descriptor of the open file closes, including on `kill -9`.

  /// `F_OFD_GETLK`: which lock, if any, would block a request.
  package static let getLock: Int32 = 36
  /// `F_OFD_SETLK`: take or release a lock; fails with `EAGAIN` or `EACCES` when it is held.
  package static let setLock: Int32 = 37
  /// `F_OFD_SETLKW`: take a lock, waiting for it.
  package static let setLockWaiting: Int32 = 38

  /// `fcntl(fd, command, &lock)` with one of the lock commands above.
  package static func fileLock(_ fd: Int32, _ command: Int32, _ lock: UnsafeMutablePointer<flock>) -> Int32 {
    fcntl(fd, command, lock)
  }

  /// Flushes a file's data and metadata (or a directory's entries) to stable storage:
  /// `fsync`, which on Linux reaches the disk itself.
  package static func synchronize(_ fd: Int32) -> Int32 {
    fsync(fd)
  }

  /// Creates a pipe whose two ends get `flags` (`O_CLOEXEC`, `O_NONBLOCK`) in the same step.
  package static func makePipe(_ fds: UnsafeMutablePointer<Int32>, flags: Int32) -> Int32 {
    shim_pipe2(fds, flags)
  }

  /// Makes this process the reaper of its orphaned descendants.
  package static func becomeChildSubreaper() -> Int32 {
    shim_set_child_subreaper()
  }

  /// A file's modification time, in milliseconds since the epoch.
  package static func modificationMilliseconds(of info: stat) -> Int64 {
    Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
  }

  /// Sets the handler of a `sigaction` (a union whose field names differ between C libraries).
  package static func setHandler(
    _ handler: @convention(c) (Int32) -> Void, of action: inout sigaction
  ) {
    action.__sigaction_handler.sa_handler = handler
  }

  /// The path of the running executable, links resolved (Linux: `/proc/self/exe`), or `nil`
  /// when the system cannot tell.
  package static func runningExecutablePath() -> String? {
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = buffer.withUnsafeMutableBufferPointer { bytes in
      bytes.withMemoryRebound(to: CChar.self) { readlink("/proc/self/exe", $0.baseAddress!, $0.count - 1) }
    }
    guard count > 0 else { return nil }
    return String(decoding: buffer[0..<count], as: UTF8.self)
  }

  /// The process's environment, `NAME=value` entries ending with a null pointer.
  package static var environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
    environ
  }

  /// Takes `signal` off this thread's pending set without waiting, if it is pending and
  /// blocked. Returns the signal, or -1 (`EAGAIN`) when it was not pending.
  package static func takePendingSignal(_ signal: Int32) -> Int32 {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, signal)
    var now = timespec()
    return sigtimedwait(&set, nil, &now)
  }

  /// An empty set of file actions for `posix_spawn`, to be initialised with
  /// `posix_spawn_file_actions_init`.
  package static func makeSpawnFileActions() -> posix_spawn_file_actions_t {
    posix_spawn_file_actions_t()
  }

  /// An empty set of attributes for `posix_spawn`, to be initialised with
  /// `posix_spawnattr_init`.
  package static func makeSpawnAttributes() -> posix_spawnattr_t {
    posix_spawnattr_t()
  }
}
