internal import SystemPlatform

// The system-call funnel: every system call of TandemState goes through a function of
// ``SystemCall``, one file per concern (FileCalls.swift, ProcessCalls.swift,
// SignalCalls.swift). Each function is a thin wrapper that
//
// - makes the raw call through ``RawSystemCalls``, which a test can replace call by call
//   (``SystemCalls``) to inject faults (all calls on files, pipes and processes; signal masks
//   and handlers fail only on invalid arguments, a bug, and are checked with a
//   precondition instead, in SignalCalls.swift),
// - retries it on `EINTR` in one place, ``retryingOnInterrupt(_:)`` (never `close`, whose
//   descriptor is gone whatever it reports),
// - checks the result, and throws a failure as a ``SystemCallError`` naming the call and
//   keeping `errno`, which ``StateError/system(_:path:doing:)`` classifies (`ENOSPC` is
//   DISK_FULL, `EROFS` READ_ONLY_FILESYSTEM, `EACCES` PERMISSION_DENIED, ...).
//
// What differs between operating systems (the lock commands, `fsync` against `F_FULLFSYNC`,
// `pipe2`, `errno`) is in Sources/SystemPlatform/Platform.swift, not here.
//
// Adopting it, for code that still calls the C library itself:
// 1. Import `SystemPlatform` (internal) instead of `#if canImport(Glibc) import Glibc ...`.
// 2. Replace a call and its `== -1`/`lastErrno()` check with the funnel's function and
//    `catch` (or `throws(SystemCallError)` through) the error, e.g.
//    `let fd = try SystemCall.open(name, in: directory.fd, flags: O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600)`
//    and `catch let error { throw StateError.system(error, path: path, doing: "open") }`.
// 3. Drop `EINTR` loops at the call site: the funnel has retried already. A call that must
//    see `EINTR` (a wait a signal handler is meant to end) says so with
//    `checked(_:retryOnInterrupt: false, _:)`.
// 4. Record locks: ``SystemCall/lock(_:start:length:wait:)``, ``SystemCall/unlock(_:start:length:)``
//    and ``SystemCall/isLockedElsewhere(_:start:length:)`` take the byte range as two integers
//    (Locking's `LockRange`: `start`, `length`).
// 5. A call the funnel lacks: add an entry to ``SystemCalls``, the raw call to
//    ``RawSystemCalls`` and a wrapper here, so that tests can inject its failures too.

/// The system-call funnel: thin wrappers that check every result and report a failure as a
/// ``SystemCallError`` (see this file's header).
enum SystemCall {
  /// Makes `call` (retrying on `EINTR` unless told not to) and returns its result, or
  /// throws its `errno` as a ``SystemCallError`` named `name` when it returns -1.
  @inline(__always)
  static func checked<T: FixedWidthInteger>(
    _ name: String, retryOnInterrupt: Bool = true, _ call: () -> T
  ) throws(SystemCallError) -> T {
    let result = retryOnInterrupt ? retryingOnInterrupt(call) : call()
    guard result == -1 else { return result }
    throw SystemCallError(name, errno: Platform.errno)
  }

  /// Throws `error`, the error number a call returned as its result (as `posix_spawn` and
  /// the `pthread_` functions do instead of setting `errno`), unless it is 0.
  @inline(__always)
  static func checked(_ name: String, returned error: Int32) throws(SystemCallError) {
    guard error == 0 else { throw SystemCallError(name, errno: error) }
  }

  /// The raw calls: the system's, or those a test injected (``SystemCalls/injecting(_:_:)``).
  @inline(__always)
  static var raw: RawSystemCalls { RawSystemCalls() }
}

/// Runs `call` until it returns something other than -1 with `EINTR`: the one retry loop
/// of the framework. Every system call that can be interrupted is retried here and only here.
@inline(__always)
func retryingOnInterrupt<T: FixedWidthInteger>(_ call: () -> T) -> T {
  while true {
    let result = call()
    if result == -1 && Platform.errno == EINTR { continue }
    return result
  }
}

/// The thread's `errno` after a failed call, for code that does not go through the funnel yet.
@inline(__always)
func lastErrno() -> Int32 {
  Platform.errno
}
