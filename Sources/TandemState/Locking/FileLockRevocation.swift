#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

extension FileLock {
  /// Releases the lock even where a child process inherited it (``makeInheritable()``).
  ///
  /// ``release()`` only closes this process's descriptor, so a process that inherited the
  /// lock keeps holding it until it exits. This also unlocks the open file description
  /// itself, which every inherited descriptor shares: the lock is free when this returns,
  /// whoever still has the file open. (A process holding such a descriptor that later calls
  /// a tandem command may take the lock again through it.)
  public func releaseIncludingInherited() {
    guard !isNested else { return release() }
    // `release()` writes the record and closes `fd`; a second descriptor on the same open
    // file description is kept for the unlock, which must come after the record is written
    // (else the next holder's record could be overwritten).
    let keep = fcntl(fd, F_DUPFD_CLOEXEC, 0)
    release()
    guard keep >= 0 else { return }
    var request = flock()
    request.l_type = Int16(F_UNLCK)
    request.l_whence = Int16(SEEK_SET)
    _ = fcntl(keep, OpenFileLock.setLock, &request)
    close(keep)
  }
}
