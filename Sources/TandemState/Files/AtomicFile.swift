internal import SystemPlatform

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
  /// (see ``write(_:as:in:synchronizeDirectory:guardedBy:)``). Each returns the error to throw, or nil.
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
  ///
  /// A failing system call throws its ``StateError/system(_:path:doing:)`` classification
  /// (`ENOSPC` is ``StateError/Code/diskFull``, ...) with the old document in place and the
  /// temporary file removed.
  static func write(
    _ bytes: [UInt8], as name: String, in directory: DirectoryHandle, synchronizeDirectory: Bool = true,
    guardedBy renameGuard: RenameGuard? = nil
  ) throws(StateError) {
    let target = directory.displayPath(name)
    let (fd, temporary) = try createTemporary(for: name, in: directory)
    var open = true
    /// Closes and removes the temporary file: nothing of this write is left.
    func abandon() {
      if open { SystemCall.release(fd) }
      // The file is this writer's alone; if it cannot be removed now, its lock dies with the
      // descriptor and the next writer's sweep removes it.
      try? SystemCall.unlink(temporary, in: directory.fd)
    }
    func fail(_ error: SystemCallError) -> StateError {
      abandon()
      return StateError.system(error, path: target, doing: "write")
    }

    do throws(SystemCallError) {
      try SystemCall.setMode(0o600, of: fd)
      try bytes.withUnsafeBytes { buffer in
        Result { () throws(SystemCallError) in try SystemCall.writeAll(fd, from: buffer) }
      }.get()
      try SystemCall.synchronize(fd)
    } catch {
      throw fail(error)
    }
    var unconfirmed: StateError?
    if let renameGuard {
      do throws(SystemCallError) {
        try SystemCall.lockDirectory(directory.fd)
      } catch {
        throw fail(error)
      }
      if let refused = renameGuard.before() {
        SystemCall.unlockDirectory(directory.fd)
        abandon()
        throw refused
      }
    }
    // Renamed while still open: closing would drop the lock that marks the file as a live
    // writer's, and a sweep could remove it before the rename.
    do throws(SystemCallError) {
      try SystemCall.rename(temporary, in: directory.fd, to: name, in: directory.fd)
    } catch {
      if renameGuard != nil { SystemCall.unlockDirectory(directory.fd) }
      throw fail(error)
    }
    if let renameGuard {
      unconfirmed = renameGuard.after()
      SystemCall.unlockDirectory(directory.fd)
    }
    open = false
    SystemCall.release(fd)
    // The new content is in place; only its durability across a crash depends on this.
    if synchronizeDirectory {
      do throws(SystemCallError) {
        try SystemCall.synchronizeDirectory(directory.fd)
      } catch {
        throw StateError.system(error, path: directory.path, doing: "flush")
      }
    }
    if let unconfirmed { throw unconfirmed }
  }

  /// Creates a temporary file for `name`, owned by this writer: it holds a lock on the
  /// file itself (open file description, released by the kernel when the writer dies) for as
  /// long as it writes. A sweep removes only temporary files whose lock it can take, so it
  /// never removes a live writer's file, even if the lock on the document is not keeping
  /// writers apart (a lock file replaced by hand).
  private static func createTemporary(
    for name: String, in directory: DirectoryHandle
  ) throws(StateError) -> (Int32, String) {
    var random = SystemRandomNumberGenerator()
    for _ in 0..<8 {
      let temporary =
        temporaryPrefix(for: name) + String(random.next(), radix: 16)
        + String(random.next(), radix: 16)
      let fd: Int32
      do throws(SystemCallError) {
        fd = try SystemCall.open(
          temporary, in: directory.fd, flags: O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode: 0o600)
      } catch let error where error.errno == EEXIST {
        continue
      } catch {
        throw StateError.system(error, path: directory.displayPath(name), doing: "write")
      }
      // Between the create and the lock a sweep may have taken the file for an orphan: then
      // it holds the lock now or has unlinked the file. Start again under another name.
      do throws(SystemCallError) {
        if try SystemCall.lock(fd, wait: false), try SystemCall.status(of: fd).st_nlink > 0 {
          return (fd, temporary)
        }
        SystemCall.release(fd)
      } catch {
        SystemCall.release(fd)
        try? SystemCall.unlink(temporary, in: directory.fd)
        throw StateError.system(error, path: directory.displayPath(name), doing: "write")
      }
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
    // Best effort throughout: a file that cannot be opened, locked or removed now is left
    // for the next sweep, and the write it precedes does not depend on it.
    for entry in names where entry.hasPrefix(prefix) {
      let fd: Int32
      do throws(SystemCallError) {
        fd = try SystemCall.open(entry, in: directory.fd, flags: O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
      } catch {
        // A symbolic link planted at a temporary path is nobody's file: remove the link
        // itself (never what it points to).
        if error.errno == ELOOP, (try? SystemCall.unlink(entry, in: directory.fd)) != nil { removed += 1 }
        continue
      }
      if (try? SystemCall.lock(fd, wait: false)) == true,
        (try? SystemCall.unlink(entry, in: directory.fd)) != nil
      {
        removed += 1
      }
      SystemCall.release(fd)
    }
    return removed
  }
}
