#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Takes locks on lock files below a state home.
///
/// One acquisition is a loop of steps that the blocking and the suspending forms share
/// (``begin(home:directory:name:)``, ``finish(_:startedAt:intent:)``); they differ only in
/// how they wait for a busy lock.
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
      var attempt: Attempt
      switch try begin(home: home, directory: components, name: name) {
      case .nested(let locked):
        return locked
      case .locked(let locked):
        attempt = locked
      case .busy(let busy):
        let remaining = remainingMilliseconds(of: timeout, since: start)
        guard remaining > 0 else { throw busy.timeoutError(timeout: timeout, readingFrom: busy.fd) }
        switch SynchronousLockWait.wait(
          fd: busy.fd, key: busy.key, range: busy.range, milliseconds: remaining)
        {
        case .acquired(let fd):
          attempt = busy
          attempt.fd = fd
        case .interrupted(let signal):
          throw WaitInterruption.error(signal: signal, path: busy.path)
        case let other:
          throw busy.error(after: other, timeout: timeout)
        }
      }
      if let locked = finish(attempt, startedAt: start, intent: intent) { return locked }
    }
  }

  /// Locks `name` as ``acquire(home:directory:name:timeout:intent:)`` does, but suspends
  /// the task while the lock is busy instead of blocking a thread. A task that is cancelled
  /// while it waits (or is cancelled already when the lock is busy) stops waiting at once
  /// and throws ``StateError/Code/cancelled``, holding nothing; a lock that is free, or held
  /// by the caller's own scope, is taken without waiting either way.
  static func acquire(
    home: StateHome, directory components: [String], name: String, timeout: LockTimeout, intent: LockIntent
  ) async throws(StateError) -> LockedDirectory {
    let start = SystemClock.monotonicNanoseconds()
    while true {
      var attempt: Attempt
      switch try begin(home: home, directory: components, name: name) {
      case .nested(let locked):
        return locked
      case .locked(let locked):
        attempt = locked
      case .busy(let busy):
        guard !Task.isCancelled else {
          close(busy.fd)
          throw LockCancellation.error(path: busy.path)
        }
        let remaining = remainingMilliseconds(of: timeout, since: start)
        guard remaining > 0 else { throw busy.timeoutError(timeout: timeout, readingFrom: busy.fd) }
        switch await AsynchronousLockWait.wait(
          fd: busy.fd, key: busy.key, range: busy.range, milliseconds: remaining)
        {
        case .acquired(let fd):
          attempt = busy
          attempt.fd = fd
        case .cancelled:
          throw LockCancellation.error(path: busy.path)
        case let other:
          throw busy.error(after: other, timeout: timeout)
        }
      }
      if let locked = finish(attempt, startedAt: start, intent: intent) { return locked }
    }
  }

  /// A lock file opened for one try, and what to lock in it.
  struct Attempt {
    let directory: DirectoryHandle
    let name: String
    let path: String
    /// The descriptor to lock through; after a wait, maybe another one on the same file.
    var fd: Int32
    let key: FileKey
    /// 0, or one below the level this process inherited or passed down.
    let level: Int
    let range: LockRange
    /// Whether the lock is held by a holder above this process (a `lock run` that started
    /// it, or this process's own holder that passed it down).
    let isBelowHolder: Bool

    /// The conflict error for a lock that stayed busy, read through `fd`, which it closes.
    func timeoutError(timeout: LockTimeout, readingFrom fd: Int32) -> StateError {
      let error = LockAcquisition.timeoutError(fd: fd, path: path, timeout: timeout, nested: isBelowHolder)
      if fd >= 0 { close(fd) }
      return error
    }

    /// The error for a wait that ended without the lock (`.timedOut` or `.failed`); the
    /// wait has taken the descriptor over.
    func error(after outcome: LockWaitOutcome, timeout: LockTimeout) -> StateError {
      if case .failed(let code) = outcome {
        return StateError.system(
          SystemCallError("fcntl(F_OFD_SETLKW)", errno: code), path: path, doing: "lock")
      }
      // The holder's record, through a fresh descriptor.
      return timeoutError(
        timeout: timeout,
        readingFrom: openat(directory.fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK))
    }
  }

  /// Where one try got to without waiting.
  enum Beginning {
    /// The caller's own scope holds the lock: a nested handle.
    case nested(LockedDirectory)
    /// Locked; ``finish(_:startedAt:intent:)`` checks and records it.
    case locked(Attempt)
    /// Busy: wait, then finish.
    case busy(Attempt)
  }

  /// Opens the lock file and tries the lock once, without waiting.
  static func begin(home: StateHome, directory components: [String], name: String) throws(StateError)
    -> Beginning
  {
    guard let directory = try home.openDirectory(components, create: true) else {
      throw StateError(
        .ioError, "cannot create \(home.displayPath(components))", path: home.displayPath(components))
    }
    let path = directory.displayPath(name)
    let fd = try openLockFile(name, in: directory)
    var info = stat()
    fstat(fd, &info)
    let key = FileKey(info)

    // The caller's own lock: a nested use, unless the lock was passed down to child
    // processes, which may be writing now; then take the level below it, like they do.
    var passedDown: Int?
    switch LockScopes.holding(key) {
    case .held(let outer):
      close(fd)
      let nested = FileLock(fd: -1, path: path, key: key, waitedMilliseconds: 0, outer: outer)
      return .nested(LockedDirectory(lock: nested, directory: directory, lockName: name))
    case .passedDown(let level):
      passedDown = level
    case .notHeld:
      break
    }
    // Inherited from the process that started this one: take the next level, so that
    // processes started under the same holder still exclude each other.
    let inherited = passedDown ?? InheritedLocks.level(of: key, variable: home.tool.heldLocksVariable)
    // No level is left below the deepest one: refused at once, since waiting (for the
    // holders above, which are this process's own ancestors) could only time out, and a
    // retry would meet the same depth.
    if let inherited, inherited >= LockRange.maximumLevel {
      close(fd)
      var error = StateError(
        .limitExceeded,
        "\(path) is held \(LockRange.maximumLevel + 1) levels deep by the processes that started this one "
          + "(lock run inside lock run ...), the most there can be; nothing was run or written under it",
        path: path)
      error.fixRequired = "run this command outside the nested lock runs, or nest fewer of them"
      throw error
    }
    let level = inherited.map { $0 + 1 } ?? 0
    let attempt = Attempt(
      directory: directory, name: name, path: path, fd: fd, key: key, level: level,
      range: inherited == nil ? .wholeFile : .level(level), isBelowHolder: inherited != nil)
    let result = OpenFileLock.lockExclusive(fd, range: attempt.range, wait: false)
    if result == 0 { return .locked(attempt) }
    guard result == EAGAIN || result == EACCES else {
      close(fd)
      throw StateError.system(
        SystemCallError("fcntl(F_OFD_SETLKW)", errno: result), path: path, doing: "lock")
    }
    return .busy(attempt)
  }

  /// Completes a try that got the lock: returns the lock, or nil (with the descriptor
  /// closed) if the file is no longer the one at its path, so that the caller starts again.
  static func finish(_ attempt: Attempt, startedAt start: UInt64, intent: LockIntent) -> LockedDirectory? {
    let fd = attempt.fd
    // Still linked at the same path? If not, the namespace was removed while we waited.
    var now = stat()
    fstat(fd, &now)
    guard now.st_nlink > 0, let current = attempt.directory.status(attempt.name),
      FileKey(current) == attempt.key
    else {
      close(fd)
      return nil
    }

    let waited = Int64((SystemClock.monotonicNanoseconds() - start) / 1_000_000)
    var record = LockRecord.read(from: fd) ?? LockRecord()
    if attempt.level == 0 {
      // The holder record describes the outermost holder; levels below it leave it alone.
      record.holder = LockHolder(
        pid: getpid(), instanceID: intent.instanceID, command: intent.command,
        acquiredAtMilliseconds: SystemClock.wallMilliseconds())
      record.write(to: fd)
    }
    let lock = FileLock(
      fd: fd, path: attempt.path, key: attempt.key, level: attempt.level, waitedMilliseconds: waited,
      recordedRevision: record.revision)
    return LockedDirectory(lock: lock, directory: attempt.directory, lockName: attempt.name)
  }

  /// What is left of `timeout` since `start` (monotonic nanoseconds), in milliseconds.
  static func remainingMilliseconds(of timeout: LockTimeout, since start: UInt64) -> Int64 {
    let elapsed = Int64((SystemClock.monotonicNanoseconds() - start) / 1_000_000)
    return max(0, timeout.milliseconds - elapsed)
  }

  /// Opens (creating with mode 0600) a lock file, refusing links and non-files.
  static func openLockFile(_ name: String, in directory: DirectoryHandle) throws(StateError) -> Int32 {
    // Through the funnel, which never returns 0, 1 or 2: `lock run` passes this descriptor
    // down to its command, which must not find it as its standard input or output.
    let fd: Int32
    do throws(SystemCallError) {
      fd = try SystemCall.open(
        name, in: directory.fd, flags: O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode: 0o600)
    } catch let error where error.errno == ELOOP {
      var refusal = StateError(
        .unsafeStatePath, "refusing \(directory.displayPath(name)): it is a symbolic link",
        path: directory.displayPath(name))
      refusal.fixRequired = "remove the symbolic link at \(directory.displayPath(name))"
      throw refusal
    } catch {
      throw StateError.system(error, path: directory.displayPath(name), doing: "open")
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
    return StateError.lockTimeout(
      path: path, holder: record?.holder, timeout: timeout,
      meanHoldMicroseconds: record?.meanHoldMicroseconds,
      nested: nested)
  }

  /// "1.3 s" or "40 ms".
  static func formatSeconds(_ milliseconds: Int64) -> String {
    if milliseconds < 1000 { return "\(milliseconds) ms" }
    let tenths = (milliseconds + 50) / 100
    return "\(tenths / 10).\(tenths % 10) s"
  }
}

extension StateError {
  /// The conflict error for a lock that stayed busy past `timeout`: who holds it (when
  /// known), and when to retry, estimated from how long it has been held and how long holds
  /// of it usually take. Every backend reports a lock timeout with this.
  package static func lockTimeout(
    path: String, holder: LockHolder?, timeout: LockTimeout, meanHoldMicroseconds: Int64?,
    nested: Bool = false
  ) -> StateError {
    let now = SystemClock.wallMilliseconds()
    let held = holder?.heldMilliseconds(now: now)
    let retry = RetryAdvice.afterLockTimeout(
      heldMilliseconds: held, meanHoldMicroseconds: meanHoldMicroseconds)

    var message = "\(path) is locked"
    if nested {
      message += " by another process started under the same holder"
    } else if let holder {
      // What the holder recorded is another process's text: quoted and marked as data.
      let command = "command " + QuotedData.quote(holder.command)
      let who = holder.instanceID.map { "instance \(QuotedData.quote($0)), " + command } ?? command
      let host = holder.host.map { " on host " + QuotedData.quote($0) } ?? ""
      message +=
        " by pid \(holder.pid)\(host) (\(who); quoted data) for \(LockAcquisition.formatSeconds(held ?? 0))"
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
}
