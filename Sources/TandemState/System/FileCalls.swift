internal import SystemPlatform

/// The funnel for files and directories (see SystemCall.swift).
extension SystemCall {
  /// `openat`: opens `path` relative to the directory `directory` (or the working directory,
  /// `AT_FDCWD`). Returns the new descriptor, never 0, 1 or 2.
  ///
  /// A process started with standard input, output or error closed (`<&- >&-`) hands those
  /// numbers to its next opens. A state file opened as 1 would receive what the process
  /// prints, and `lock run` passes its lock's descriptor down to the command: a lock file at
  /// 1 became the command's standard output, which then wrote over the lock record (and
  /// grew the file without bound) while the command's output was lost. Above 2, the closed
  /// descriptors stay closed, and writing to them still fails as it should.
  static func open(
    _ path: String, in directory: Int32 = AT_FDCWD, flags: Int32, mode: mode_t = 0
  ) throws(SystemCallError) -> Int32 {
    let fd = try checked("openat") { raw.openat(directory, path, flags, mode) }
    guard fd <= STDERR_FILENO else { return fd }
    defer { release(fd) }
    let duplicate = flags & O_CLOEXEC != 0 ? F_DUPFD_CLOEXEC : F_DUPFD
    return try checked("fcntl(F_DUPFD)") { raw.fcntl(fd, duplicate, STDERR_FILENO + 1) }
  }

  /// Closes a descriptor. It is gone whatever `close` reports (on Linux even after `EINTR`,
  /// so it is never retried), and everything written through it that matters was flushed
  /// with ``synchronize(_:)`` before: a failure here carries nothing a caller could act on.
  /// Closing a descriptor that is not open is a bug, caught in debug builds.
  static func release(_ fd: Int32) {
    let result = raw.close(fd)
    assert(result == 0 || Platform.errno != EBADF, "closed a descriptor that was not open")
  }

  /// `read`: up to `buffer.count` bytes; 0 at the end of the file.
  static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
    guard let base = buffer.baseAddress else { return 0 }
    return try checked("read") { raw.read(fd, base, buffer.count) }
  }

  /// `write`: one call, which may write fewer bytes than given (a pipe, a signal); returns
  /// how many it wrote.
  static func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer) throws(SystemCallError) -> Int {
    guard let base = buffer.baseAddress else { return 0 }
    return try checked("write") { raw.write(fd, base, buffer.count) }
  }

  /// Writes all of `buffer`, continuing after short writes. A write that takes nothing
  /// from a regular file means the device is full: it fails with `ENOSPC`.
  static func writeAll(_ fd: Int32, from buffer: UnsafeRawBufferPointer) throws(SystemCallError) {
    var written = 0
    while written < buffer.count {
      let count = try write(fd, from: UnsafeRawBufferPointer(rebasing: buffer[written...]))
      guard count > 0 else { throw SystemCallError("write", errno: ENOSPC) }
      written += count
    }
  }

  /// Flushes a file's content and metadata to stable storage (``Platform/synchronize(_:)``).
  static func synchronize(_ fd: Int32) throws(SystemCallError) {
    _ = try checked("fsync") { raw.fsync(fd) }
  }

  /// Flushes a directory's entries (a rename into it) to stable storage. `EINVAL`, from a
  /// file system that cannot flush directories, is not a failure: there is nothing to flush.
  static func synchronizeDirectory(_ fd: Int32) throws(SystemCallError) {
    do throws(SystemCallError) {
      try synchronize(fd)
    } catch let error where error.errno == EINVAL {
      return
    }
  }

  /// `renameat`: moves `from` in `fromDirectory` to `to` in `toDirectory`, replacing it.
  static func rename(
    _ from: String, in fromDirectory: Int32, to: String, in toDirectory: Int32
  ) throws(SystemCallError) {
    _ = try checked("renameat") { raw.renameat(fromDirectory, from, toDirectory, to) }
  }

  /// `unlinkat`: removes the file `path` (a directory with `AT_REMOVEDIR`) in `directory`.
  static func unlink(_ path: String, in directory: Int32, flags: Int32 = 0) throws(SystemCallError) {
    _ = try checked("unlinkat") { raw.unlinkat(directory, path, flags) }
  }

  /// `mkdirat`: creates the directory `path` in `directory` (`mode` narrowed by the umask).
  static func makeDirectory(_ path: String, in directory: Int32 = AT_FDCWD, mode: mode_t)
    throws(SystemCallError)
  {
    _ = try checked("mkdirat") { raw.mkdirat(directory, path, mode) }
  }

  /// `fchmod`: sets the mode of an open file, whatever the umask made of it.
  static func setMode(_ mode: mode_t, of fd: Int32) throws(SystemCallError) {
    _ = try checked("fchmod") { raw.fchmod(fd, mode) }
  }

  /// `fchmodat`: sets the mode of `path` in `directory`, following a link.
  static func setMode(_ mode: mode_t, of path: String, in directory: Int32 = AT_FDCWD) throws(SystemCallError)
  {
    _ = try checked("fchmodat") { raw.fchmodat(directory, path, mode) }
  }

  /// `fstat`: the metadata of an open file.
  static func status(of fd: Int32) throws(SystemCallError) -> stat {
    var info = stat()
    _ = try checked("fstat") { raw.fstat(fd, &info) }
    return info
  }

  /// `fstatat` without following a link: the metadata of the entry `path` in `directory`.
  static func status(of path: String, in directory: Int32) throws(SystemCallError) -> stat {
    var info = stat()
    _ = try checked("fstatat") { raw.fstatat(directory, path, &info, AT_SYMLINK_NOFOLLOW) }
    return info
  }

  /// Makes reads and writes on `fd` return `EAGAIN` instead of waiting (`O_NONBLOCK`).
  static func setNonBlocking(_ fd: Int32) throws(SystemCallError) {
    let flags = try checked("fcntl(F_GETFL)") { raw.fcntl(fd, F_GETFL, 0) }
    _ = try checked("fcntl(F_SETFL)") { raw.fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
  }

  /// Whether `fd` is an open descriptor of this process (`fcntl(F_GETFD)` succeeds).
  static func isOpen(_ fd: Int32) -> Bool {
    (try? checked("fcntl(F_GETFD)") { raw.fcntl(fd, F_GETFD, 0) }) != nil
  }

  /// Sets whether `fd` stays open in programs this process executes (clears or sets
  /// `FD_CLOEXEC`).
  static func setInheritable(_ fd: Int32, _ inheritable: Bool) throws(SystemCallError) {
    let flags = try checked("fcntl(F_GETFD)") { raw.fcntl(fd, F_GETFD, 0) }
    let updated = inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC
    _ = try checked("fcntl(F_SETFD)") { raw.fcntl(fd, F_SETFD, updated) }
  }

  /// Whether this process may execute the file at `path` (`access(X_OK)`, following links).
  /// Every failure (no such file, no permission, a bad path) answers no.
  static func isExecutable(_ path: String) -> Bool {
    (try? checked("access") { raw.access(path, X_OK) }) != nil
  }

  /// Locks a whole directory (`flock`, exclusive), waiting for it; released by
  /// ``unlockDirectory(_:)`` or when the last descriptor of its open file closes.
  static func lockDirectory(_ fd: Int32) throws(SystemCallError) {
    _ = try checked("flock") { raw.flock(fd, LOCK_EX) }
  }

  /// Releases ``lockDirectory(_:)``. That fails only for a descriptor that is not open: a
  /// bug, caught in debug builds.
  static func unlockDirectory(_ fd: Int32) {
    let result = retryingOnInterrupt { raw.flock(fd, LOCK_UN) }
    assert(result == 0, "flock(LOCK_UN) failed")
  }

  /// Takes an exclusive record lock, owned by the open file description, on `length` bytes
  /// from `start` (0 bytes: to the end of the file and beyond). With `wait`, waits for it;
  /// without, returns false at once when another open file holds a conflicting lock.
  static func lock(_ fd: Int32, start: Int64 = 0, length: Int64 = 0, wait: Bool) throws(SystemCallError)
    -> Bool
  {
    var request = recordLock(type: F_WRLCK, start: start, length: length)
    do throws(SystemCallError) {
      _ = try checked(wait ? "fcntl(F_OFD_SETLKW)" : "fcntl(F_OFD_SETLK)") {
        raw.fileLock(fd, wait ? Platform.setLockWaiting : Platform.setLock, &request)
      }
      return true
    } catch let error where !wait && (error.errno == EAGAIN || error.errno == EACCES) {
      return false
    }
  }

  /// Releases the bytes `start..<start + length` (0: to the end) of what this open file holds.
  static func unlock(_ fd: Int32, start: Int64, length: Int64) throws(SystemCallError) {
    var request = recordLock(type: F_UNLCK, start: start, length: length)
    _ = try checked("fcntl(F_OFD_SETLK)") { raw.fileLock(fd, Platform.setLock, &request) }
  }

  /// Whether another open file holds a lock that conflicts with an exclusive one on the
  /// bytes `start..<start + length`, without taking it.
  static func isLockedElsewhere(_ fd: Int32, start: Int64 = 0, length: Int64 = 0) throws(SystemCallError)
    -> Bool
  {
    var request = recordLock(type: F_WRLCK, start: start, length: length)
    _ = try checked("fcntl(F_OFD_GETLK)") { raw.fileLock(fd, Platform.getLock, &request) }
    return request.l_type != Int16(F_UNLCK)
  }

  private static func recordLock(type: Int32, start: Int64, length: Int64) -> flock {
    var request = flock()
    request.l_type = Int16(type)
    request.l_whence = Int16(SEEK_SET)
    request.l_start = off_t(start)
    request.l_len = off_t(length)
    request.l_pid = 0
    return request
  }

  /// The names in the directory `fd`, without `.` and `..`. Reads through a descriptor of
  /// its own, so `fd` keeps its position and stays open.
  static func entries(of fd: Int32) throws(SystemCallError) -> [String] {
    var names: [String] = []
    try scanEntries(of: fd) { name in
      names.append(name)
      return true
    }
    return names
  }

  /// Reads the names in the directory `fd` (without `.` and `..`) in one pass, handing each
  /// to `visit` until it returns `false`: a question about a directory of thousands of
  /// entries stops at its answer instead of collecting them all. `fd` stays as it was.
  static func scanEntries(of fd: Int32, _ visit: (String) -> Bool) throws(SystemCallError) {
    let copy = try open(".", in: fd, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard let stream = raw.fdopendir(copy) else {
      let error = SystemCallError("fdopendir", errno: Platform.errno)
      release(copy)
      throw error
    }
    // Closes `copy` too. Nothing was written through it: its result carries nothing to act on.
    defer { _ = raw.closedir(stream) }
    while true {
      // readdir returns nil both at the end and on an error; only errno tells them apart.
      Platform.errno = 0
      guard let entry = raw.readdir(stream) else {
        let code = Platform.errno
        if code != 0 { throw SystemCallError("readdir", errno: code) }
        return
      }
      let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
        String(cString: bytes.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." && !visit(name) { return }
    }
  }
}
