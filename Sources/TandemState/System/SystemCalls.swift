#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The system calls through which state files are written.
///
/// Production code always uses ``live``. The table exists so that tests can make one call
/// fail with a chosen `errno` (a full disk at `fsync`, a read-only file system at `rename`)
/// and check that the old document survives and no temporary file is left behind.
struct SystemCalls: Sendable {
  var write: @Sendable (_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int
  var fsync: @Sendable (_ fd: Int32) -> Int32
  var close: @Sendable (_ fd: Int32) -> Int32
  var renameat: @Sendable (_ fromDir: Int32, _ from: String, _ toDir: Int32, _ to: String) -> Int32
  var openat: @Sendable (_ dir: Int32, _ path: String, _ flags: Int32, _ mode: mode_t) -> Int32

  static let live = SystemCalls(
    write: { fd, buffer, count in Glibc.write(fd, buffer, count) },
    fsync: { fd in Glibc.fsync(fd) },
    close: { fd in Glibc.close(fd) },
    renameat: { fromDir, from, toDir, to in Glibc.renameat(fromDir, from, toDir, to) },
    openat: { dir, path, flags, mode in Glibc.openat(dir, path, flags, mode) }
  )
}
