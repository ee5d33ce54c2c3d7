#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// A lock together with the directory of the files it guards, opened on the same path.
struct LockedDirectory {
  let lock: FileLock
  let directory: DirectoryHandle
  /// The lock file's name in ``directory``.
  let lockName: String

  /// Replaces `name` with `bytes` atomically and durably, but only while the lock is still
  /// the lock on the file at its path.
  ///
  /// Someone may remove or replace the lock file by hand while it is held. A second writer
  /// then locks the new file and is not excluded by this lock. So the lock is checked before
  /// the rename (refused: nothing written) and after it (the write landed, but a writer on
  /// the new file may have read the document before it and overwrite it: the caller is not
  /// told it succeeded). Either way no write is acknowledged that another could silently
  /// undo. `synchronizeDirectory` as in ``AtomicFile/write(_:as:in:synchronizeDirectory:calls:)``.
  func commit(_ bytes: [UInt8], as name: String, synchronizeDirectory: Bool = true) throws(StateError) {
    guard lock.isStillAt(directory, name: lockName) else {
      var error = StateError(
        .concurrentModification,
        "\(directory.displayPath(lockName)) was removed or replaced while this process held the lock, "
          + "so other writers were no longer excluded; nothing was written",
        path: directory.displayPath(name))
      error.conflictReason = .lockReplaced
      error.retryAfterMilliseconds = RetryAdvice.jittered(5)
      error.suggestion = "run the same command again; lock files must not be removed while in use"
      throw error
    }
    _ = AtomicFile.removeOrphans(of: name, in: directory)
    try AtomicFile.write(bytes, as: name, in: directory, synchronizeDirectory: synchronizeDirectory)
    guard lock.isStillAt(directory, name: lockName) else {
      var error = StateError(
        .writeUnconfirmed,
        "\(directory.displayPath(name)) was written, but its lock file was removed or replaced meanwhile, "
          + "so another writer may have overwritten the change",
        path: directory.displayPath(name))
      error.fixRequired = "read the document again and check that the change is there"
      throw error
    }
  }
}
