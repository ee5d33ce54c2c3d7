#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Replaces a file so that every reader sees either the old or the new content, and the
/// new content survives a power loss once the call returns.
///
/// The sequence: create a temporary file beside the target with an unguessable name
/// (`O_CREAT | O_EXCL | O_NOFOLLOW`), set mode 0600 whatever the umask, write everything,
/// `fsync` it, `rename` it over the target, and `fsync` the directory so the rename itself
/// is durable. Every failure removes the temporary file. Foundation's atomic write does
/// not `fsync` the directory and leaves a 0600 file 0644 on Linux, hence this type.
enum AtomicFile {
  /// The prefix of the temporary files for `name`; files with it belong to a writer that
  /// died and are removed by the next writer holding the lock.
  static func temporaryPrefix(for name: String) -> String { ".\(name).tmp-" }

  /// Writes `bytes` as `name` in `directory`. The caller holds the lock that guards `name`.
  static func write(
    _ bytes: [UInt8], as name: String, in directory: DirectoryHandle, calls: SystemCalls = .live
  ) throws(StateError) {
    var random = SystemRandomNumberGenerator()
    let suffix = String(random.next(), radix: 16) + String(random.next(), radix: 16)
    let temporary = temporaryPrefix(for: name) + suffix
    let target = directory.displayPath(name)

    let fd = calls.openat(
      directory.fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw StateError.system(SystemCallError("openat", errno: lastErrno()), path: target, doing: "write")
    }
    var open = true
    func fail(_ call: String, _ errno: Int32) -> StateError {
      if open { _ = calls.close(fd) }
      unlinkat(directory.fd, temporary, 0)
      return StateError.system(SystemCallError(call, errno: errno), path: target, doing: "write")
    }

    guard fchmod(fd, 0o600) == 0 else { throw fail("fchmod", lastErrno()) }
    var written = 0
    while written < bytes.count {
      let count = bytes.withUnsafeBytes { buffer in
        calls.write(fd, buffer.baseAddress! + written, buffer.count - written)
      }
      if count < 0 {
        if lastErrno() == EINTR { continue }
        throw fail("write", lastErrno())
      }
      // A zero-length write on a regular file means the device took nothing: treat as full.
      if count == 0 { throw fail("write", ENOSPC) }
      written += count
    }
    guard calls.fsync(fd) == 0 else { throw fail("fsync", lastErrno()) }
    open = false
    guard calls.close(fd) == 0 else { throw fail("close", lastErrno()) }
    guard calls.renameat(directory.fd, temporary, directory.fd, name) == 0 else {
      throw fail("rename", lastErrno())
    }
    // The new content is in place; only its durability across a crash depends on this.
    guard calls.fsync(directory.fd) == 0 || lastErrno() == EINVAL else {
      throw StateError.system(
        SystemCallError("fsync", errno: lastErrno()), path: directory.path, doing: "flush")
    }
  }

  /// Removes temporary files of `name` left by writers that were killed mid-write.
  ///
  /// Called only with the lock held: every live writer of `name` holds that lock, so any
  /// temporary file seen now is an orphan.
  static func removeOrphans(of name: String, in directory: DirectoryHandle) -> Int {
    let prefix = temporaryPrefix(for: name)
    guard let names = try? directory.entries() else { return 0 }
    var removed = 0
    for entry in names where entry.hasPrefix(prefix) {
      if unlinkat(directory.fd, entry, 0) == 0 { removed += 1 }
    }
    return removed
  }
}
