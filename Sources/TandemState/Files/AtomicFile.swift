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

  /// Checks made around the rename, while no other guarded rename in the directory can run
  /// (see ``write(_:as:in:synchronizeDirectory:calls:guardedBy:)``). Each returns the error to throw, or nil.
  struct RenameGuard {
    /// Before the rename: an error here means nothing was written.
    var before: () -> StateError?
    /// After the rename: an error here means the new content is in place but the write must
    /// not be reported as done.
    var after: () -> StateError?
  }

  /// Writes `bytes` as `name` in `directory`. The caller holds the lock that guards `name`.
  ///
  /// With a `renameGuard`, the directory itself is locked (`flock`) from the check before the
  /// rename to the check after it, so that the check and the rename are one step for every
  /// other guarded writer in the directory: a writer cannot pass its check, stall, and then
  /// rename over a document that another writer committed and reported meanwhile. The
  /// temporary file is written and flushed before that, so the section is a few system calls.
  ///
  /// With `synchronizeDirectory` false the directory is not flushed: the new content is in
  /// place but the rename may not survive a power loss until the caller calls
  /// ``DirectoryHandle/synchronize()``, which it must do before it reports success (see
  /// ``ConfigStore/update(timeout:ifRevision:intent:_:)``, which does it after releasing the lock).
  static func write(
    _ bytes: [UInt8], as name: String, in directory: DirectoryHandle, synchronizeDirectory: Bool = true,
    calls: SystemCalls = .live, guardedBy renameGuard: RenameGuard? = nil
  ) throws(StateError) {
    let target = directory.displayPath(name)
    let (fd, temporary) = try createTemporary(for: name, in: directory, calls: calls)
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
    var unconfirmed: StateError?
    if let renameGuard {
      while flock(directory.fd, LOCK_EX) != 0 {
        guard lastErrno() == EINTR else { throw fail("flock", lastErrno()) }
      }
      if let refused = renameGuard.before() {
        flock(directory.fd, LOCK_UN)
        _ = fail("rename", 0)
        throw refused
      }
    }
    // Renamed while still open: closing would drop the lock that marks the file as a live
    // writer's, and a sweep could remove it before the rename.
    guard calls.renameat(directory.fd, temporary, directory.fd, name) == 0 else {
      let code = lastErrno()
      if renameGuard != nil { flock(directory.fd, LOCK_UN) }
      throw fail("rename", code)
    }
    if let renameGuard {
      unconfirmed = renameGuard.after()
      flock(directory.fd, LOCK_UN)
    }
    open = false
    _ = calls.close(fd)
    // The new content is in place; only its durability across a crash depends on this.
    if synchronizeDirectory, calls.fsync(directory.fd) != 0, lastErrno() != EINVAL {
      throw StateError.system(
        SystemCallError("fsync", errno: lastErrno()), path: directory.path, doing: "flush")
    }
    if let unconfirmed { throw unconfirmed }
  }

  /// Creates a temporary file for `name`, owned by this writer: it holds a lock on the
  /// file itself (open file description, released by the kernel when the writer dies) for as
  /// long as it writes. A sweep removes only temporary files whose lock it can take, so it
  /// never removes a live writer's file, even if the lock on the document is not keeping
  /// writers apart (a lock file replaced by hand).
  private static func createTemporary(
    for name: String, in directory: DirectoryHandle, calls: SystemCalls
  ) throws(StateError) -> (Int32, String) {
    var random = SystemRandomNumberGenerator()
    for _ in 0..<8 {
      let temporary =
        temporaryPrefix(for: name) + String(random.next(), radix: 16)
        + String(random.next(), radix: 16)
      let fd = calls.openat(
        directory.fd, temporary, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      guard fd >= 0 else {
        throw StateError.system(
          SystemCallError("openat", errno: lastErrno()), path: directory.displayPath(name), doing: "write")
      }
      // Between the create and the lock a sweep may have taken the file for an orphan: then
      // it holds the lock now or has unlinked the file. Start again under another name.
      var info = stat()
      if OpenFileLock.lockExclusive(fd, wait: false) == 0, fstat(fd, &info) == 0, info.st_nlink > 0 {
        return (fd, temporary)
      }
      _ = calls.close(fd)
    }
    throw StateError(
      .ioError, "cannot create a temporary file beside \(directory.displayPath(name))",
      path: directory.displayPath(name))
  }

  /// Removes temporary files of `name` left by writers that were killed mid-write.
  ///
  /// A live writer holds a lock on its temporary file (see ``createTemporary``); a file whose
  /// lock can be taken belongs to nobody and is removed while the lock is held.
  static func removeOrphans(of name: String, in directory: DirectoryHandle) -> Int {
    let prefix = temporaryPrefix(for: name)
    guard let names = try? directory.entries() else { return 0 }
    var removed = 0
    for entry in names where entry.hasPrefix(prefix) {
      let fd = openat(directory.fd, entry, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
      guard fd >= 0 else {
        // A symbolic link planted at a temporary path is nobody's file: remove the link
        // itself (never what it points to).
        if lastErrno() == ELOOP, unlinkat(directory.fd, entry, 0) == 0 { removed += 1 }
        continue
      }
      if OpenFileLock.lockExclusive(fd, wait: false) == 0, unlinkat(directory.fd, entry, 0) == 0 {
        removed += 1
      }
      close(fd)
    }
    return removed
  }
}
