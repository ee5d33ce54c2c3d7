#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// A lock together with the directory of the files it guards, opened on the same path.
///
/// Sendable so that a suspending acquisition can hand it to an actor: the lock is, and the
/// directory handle is immutable (a descriptor and a path).
struct LockedDirectory: @unchecked Sendable {
  let lock: FileLock
  let directory: DirectoryHandle
  /// The lock file's name in ``directory``.
  let lockName: String

  /// Replaces `name` with `bytes` atomically and durably, but only while the lock is still
  /// the lock on the file at its path.
  ///
  /// Someone may remove or replace the lock file by hand while it is held. A second writer
  /// then locks the new file and is not excluded by this lock. So the lock is checked just
  /// before the rename (refused: nothing written) and just after it (the write landed, but
  /// it is not reported as done), with the directory locked from one check to the other
  /// (see ``AtomicFile/write(_:as:in:synchronizeDirectory:calls:guardedBy:)``);
  /// `synchronizeDirectory` as there.
  ///
  /// Why that is enough: a lock file unlinked from its path never returns to it, so a writer
  /// whose check finds its own lock file at the path held it there from the moment it
  /// verified it after locking, before it read the document. Any other writer's check in
  /// that time failed, so no other rename was reported; and a rename whose check came
  /// before it is finished before this check can start.
  func commit(_ bytes: [UInt8], as name: String, synchronizeDirectory: Bool = true) throws(StateError) {
    _ = AtomicFile.removeOrphans(of: name, in: directory)
    let lockPath = directory.displayPath(lockName)
    let documentPath = directory.displayPath(name)
    let check = AtomicFile.RenameGuard(
      before: { [lock, directory, lockName] in
        guard !lock.isStillAt(directory, name: lockName) else { return nil }
        var error = StateError(
          .concurrentModification,
          "\(lockPath) was removed or replaced while this process held the lock, "
            + "so other writers were no longer excluded; nothing was written",
          path: documentPath)
        error.conflictReason = .lockReplaced
        error.retryAfterMilliseconds = RetryAdvice.jittered(5)
        error.suggestion = "run the same command again; lock files must not be removed while in use"
        return error
      },
      after: { [lock, directory, lockName] in
        guard !lock.isStillAt(directory, name: lockName) else { return nil }
        var error = StateError(
          .writeUnconfirmed,
          "\(documentPath) was written, but its lock file was removed or replaced meanwhile, "
            + "so another writer may have overwritten the change",
          path: documentPath)
        error.fixRequired = "read the document again and check that the change is there"
        return error
      })
    try AtomicFile.write(
      bytes, as: name, in: directory, synchronizeDirectory: synchronizeDirectory, guardedBy: check)
  }
}
