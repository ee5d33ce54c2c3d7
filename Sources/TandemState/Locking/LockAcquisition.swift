#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Takes locks on lock files below a state home.
enum LockAcquisition {
  /// Locks `name` in the directory at `components` below `home`, creating both as needed.
  ///
  /// Waits up to `timeout` without spinning; a timeout throws
  /// ``StateError/Code/concurrentModification`` with the holder and a retry estimate.
  /// After taking the lock it checks that the file is still the one at that path (an
  /// `instances remove` may have unlinked it while this process waited) and starts again
  /// if not, so a lock on a removed file is never mistaken for the real one.
  static func acquire(
    home: StateHome, directory components: [String], name: String, timeout: LockTimeout, intent: LockIntent
  ) throws(StateError) -> LockedDirectory {
    let start = SystemClock.monotonicNanoseconds()
    while true {
      guard let directory = try home.openDirectory(components, create: true) else {
        throw StateError(
          .ioError, "cannot create \(home.displayPath(components))", path: home.displayPath(components))
      }
      let path = directory.displayPath(name)
      let fd = try openLockFile(name, in: directory)
      var info = stat()
      fstat(fd, &info)
      let key = FileKey(info)

      // This thread's own lock: a nested use that only counts, unless the lock was passed
      // down to child processes, which may be writing now; then take the level below it,
      // like they do.
      var passedDown: Int?
      switch LockRegistry.enterIfHeldByCurrentThread(key) {
      case .held(let outer):
        close(fd)
        let nested = FileLock(fd: -1, path: path, key: key, waitedMilliseconds: 0, outer: outer)
        return LockedDirectory(lock: nested, directory: directory, lockName: name)
      case .passedDown(let level):
        passedDown = level
      case .notHeld:
        break
      }
      // Inherited from the process that started this one: take the next level, so that
      // processes started under the same holder still exclude each other.
      let inherited = passedDown ?? InheritedLocks.level(of: key, variable: home.tool.heldLocksVariable)
      let level = inherited.map { $0 + 1 } ?? 0
      let range = inherited == nil ? LockRange.wholeFile : .level(level)

      let elapsed = Int64((SystemClock.monotonicNanoseconds() - start) / 1_000_000)
      let remaining = max(0, timeout.milliseconds - elapsed)
      var result = OpenFileLock.lockExclusive(fd, range: range, wait: false)
      if result == EAGAIN || result == EACCES {
        if remaining == 0 {
          let error = timeoutError(fd: fd, path: path, timeout: timeout, nested: inherited != nil)
          close(fd)
          throw error
        }
        switch LockWaiter.wait(fd: fd, range: range, milliseconds: remaining) {
        case .acquired:
          result = 0
        case .timedOut:
          // The waiter thread now owns `fd`; read the record through a fresh descriptor.
          let reader = openat(directory.fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
          let error = timeoutError(fd: reader, path: path, timeout: timeout, nested: inherited != nil)
          if reader >= 0 { close(reader) }
          throw error
        case .failed(let code):
          result = code
        case .interrupted(let signal):
          throw WaitInterruption.error(signal: signal, path: path)
        }
      }
      guard result == 0 else {
        close(fd)
        throw StateError.system(
          SystemCallError("fcntl(F_OFD_SETLKW)", errno: result), path: path, doing: "lock")
      }

      // Still linked at the same path? If not, the namespace was removed while we waited.
      var now = stat()
      fstat(fd, &now)
      guard now.st_nlink > 0, let current = directory.status(name), FileKey(current) == key else {
        close(fd)
        continue
      }

      let waited = Int64((SystemClock.monotonicNanoseconds() - start) / 1_000_000)
      var record = LockRecord.read(from: fd) ?? LockRecord()
      if level == 0 {
        // The holder record describes the outermost holder; levels below it leave it alone.
        record.holder = LockHolder(
          pid: getpid(), instanceID: intent.instanceID, command: intent.command,
          acquiredAtMilliseconds: SystemClock.wallMilliseconds())
        record.write(to: fd)
      }
      let lock = FileLock(
        fd: fd, path: path, key: key, level: level, waitedMilliseconds: waited,
        recordedRevision: record.revision)
      LockRegistry.register(lock)
      return LockedDirectory(lock: lock, directory: directory, lockName: name)
    }
  }

  /// Opens (creating with mode 0600) a lock file, refusing links and non-files.
  static func openLockFile(_ name: String, in directory: DirectoryHandle) throws(StateError) -> Int32 {
    let fd = openat(directory.fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      let code = lastErrno()
      if code == ELOOP {
        var error = StateError(
          .unsafeStatePath, "refusing \(directory.displayPath(name)): it is a symbolic link",
          path: directory.displayPath(name))
        error.fixRequired = "remove the symbolic link at \(directory.displayPath(name))"
        throw error
      }
      throw StateError.system(
        SystemCallError("openat", errno: code), path: directory.displayPath(name), doing: "open")
    }
    var info = stat()
    fstat(fd, &info)
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw StateError(
        .unsafeStatePath, "refusing \(directory.displayPath(name)): it is not a regular file",
        path: directory.displayPath(name))
    }
    if info.st_mode & 0o777 != 0o600 { fchmod(fd, 0o600) }
    return fd
  }

  /// The conflict error for a lock that stayed busy past the timeout.
  static func timeoutError(fd: Int32, path: String, timeout: LockTimeout, nested: Bool = false) -> StateError
  {
    let record = fd >= 0 ? LockRecord.read(from: fd, expectingHolder: true) : nil
    let holder = record?.holder
    let now = SystemClock.wallMilliseconds()
    let held = holder?.heldMilliseconds(now: now)
    let retry = RetryAdvice.afterLockTimeout(
      heldMilliseconds: held, meanHoldMicroseconds: record?.meanHoldMicroseconds)

    var message = "\(path) is locked"
    if nested {
      message += " by another process started under the same holder"
    } else if let holder {
      let who = holder.instanceID.map { "\($0): \(holder.command)" } ?? holder.command
      message += " by pid \(holder.pid) (\(who)) for \(formatSeconds(held ?? 0))"
    } else {
      message += " by another process"
    }
    message += "; gave up after \(timeout); nothing was written; retry in about \(retry) ms"
    var error = StateError(.concurrentModification, message, path: path)
    error.conflictReason = .lockTimeout
    error.holder = nested ? nil : holder
    error.retryAfterMilliseconds = retry
    error.suggestion = "run the same command again after retry_after_ms, or wait longer for the lock"
    error.remedy = .raiseLockTimeout
    return error
  }

  /// "1.3 s" or "40 ms".
  static func formatSeconds(_ milliseconds: Int64) -> String {
    if milliseconds < 1000 { return "\(milliseconds) ms" }
    let tenths = (milliseconds + 50) / 100
    return "\(tenths / 10).\(tenths % 10) s"
  }
}
