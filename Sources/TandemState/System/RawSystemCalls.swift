internal import SystemPlatform

/// The raw calls under the funnel: an injected one (``SystemCalls``) where a test set one,
/// else the system's. Each returns what the C call returns and leaves the reason in `errno`.
struct RawSystemCalls {
  func openat(_ directory: Int32, _ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    if let call = SystemCalls.injected?.openat { return call(directory, path, flags, mode) }
    return Glibc.openat(directory, path, flags, mode)
  }
  func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    if let call = SystemCalls.injected?.read { return call(fd, buffer, count) }
    return Glibc.read(fd, buffer, count)
  }
  func write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    if let call = SystemCalls.injected?.write { return call(fd, buffer, count) }
    return Glibc.write(fd, buffer, count)
  }
  func fsync(_ fd: Int32) -> Int32 {
    if let call = SystemCalls.injected?.fsync { return call(fd) }
    return Platform.synchronize(fd)
  }
  func close(_ fd: Int32) -> Int32 {
    if let call = SystemCalls.injected?.close { return call(fd) }
    return Glibc.close(fd)
  }
  func renameat(_ fromDirectory: Int32, _ from: String, _ toDirectory: Int32, _ to: String) -> Int32 {
    if let call = SystemCalls.injected?.renameat { return call(fromDirectory, from, toDirectory, to) }
    return Glibc.renameat(fromDirectory, from, toDirectory, to)
  }
  func unlinkat(_ directory: Int32, _ path: String, _ flags: Int32) -> Int32 {
    if let call = SystemCalls.injected?.unlinkat { return call(directory, path, flags) }
    return Glibc.unlinkat(directory, path, flags)
  }
  func mkdirat(_ directory: Int32, _ path: String, _ mode: mode_t) -> Int32 {
    if let call = SystemCalls.injected?.mkdirat { return call(directory, path, mode) }
    return Glibc.mkdirat(directory, path, mode)
  }
  func fchmod(_ fd: Int32, _ mode: mode_t) -> Int32 {
    if let call = SystemCalls.injected?.fchmod { return call(fd, mode) }
    return Glibc.fchmod(fd, mode)
  }
  func fchmodat(_ directory: Int32, _ path: String, _ mode: mode_t) -> Int32 {
    if let call = SystemCalls.injected?.fchmodat { return call(directory, path, mode) }
    return Glibc.fchmodat(directory, path, mode, 0)
  }
  func fstat(_ fd: Int32, _ info: UnsafeMutablePointer<stat>) -> Int32 {
    if let call = SystemCalls.injected?.fstat { return call(fd, info) }
    return Glibc.fstat(fd, info)
  }
  func fstatat(_ directory: Int32, _ path: String, _ info: UnsafeMutablePointer<stat>, _ flags: Int32)
    -> Int32
  {
    if let call = SystemCalls.injected?.fstatat { return call(directory, path, info, flags) }
    return Glibc.fstatat(directory, path, info, flags)
  }
  func access(_ path: String, _ mode: Int32) -> Int32 {
    if let call = SystemCalls.injected?.access { return call(path, mode) }
    return Glibc.access(path, mode)
  }
  func fcntl(_ fd: Int32, _ command: Int32, _ argument: Int32) -> Int32 {
    if let call = SystemCalls.injected?.fcntl { return call(fd, command, argument) }
    return Glibc.fcntl(fd, command, argument)
  }
  func flock(_ fd: Int32, _ operation: Int32) -> Int32 {
    if let call = SystemCalls.injected?.flock { return call(fd, operation) }
    return lockWholeFile(fd, operation)
  }
  func fileLock(_ fd: Int32, _ command: Int32, _ lock: UnsafeMutablePointer<Glibc.flock>) -> Int32 {
    if let call = SystemCalls.injected?.fileLock { return call(fd, command, lock) }
    return Platform.fileLock(fd, command, lock)
  }
  func fdopendir(_ fd: Int32) -> OpaquePointer? {
    if let call = SystemCalls.injected?.fdopendir { return call(fd) }
    return Glibc.fdopendir(fd)
  }
  func readdir(_ stream: OpaquePointer) -> UnsafeMutablePointer<dirent>? {
    if let call = SystemCalls.injected?.readdir { return call(stream) }
    return Glibc.readdir(stream)
  }
  func closedir(_ stream: OpaquePointer) -> Int32 {
    if let call = SystemCalls.injected?.closedir { return call(stream) }
    return Glibc.closedir(stream)
  }
  func pipe(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32 {
    if let call = SystemCalls.injected?.pipe { return call(fds, flags) }
    return Platform.makePipe(fds, flags: flags)
  }
  func poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ milliseconds: Int32) -> Int32 {
    if let call = SystemCalls.injected?.poll { return call(fds, count, milliseconds) }
    return Glibc.poll(fds, count, milliseconds)
  }
  func spawn(
    _ pid: UnsafeMutablePointer<pid_t>, _ program: String,
    _ actions: UnsafePointer<posix_spawn_file_actions_t>,
    _ attributes: UnsafePointer<posix_spawnattr_t>, _ arguments: UnsafePointer<UnsafeMutablePointer<CChar>?>,
    _ environment: UnsafePointer<UnsafeMutablePointer<CChar>?>
  ) -> Int32 {
    if let call = SystemCalls.injected?.spawn {
      return call(pid, program, actions, attributes, arguments, environment)
    }
    return posix_spawnp(pid, program, actions, attributes, arguments, environment)
  }
  func waitpid(_ pid: pid_t, _ status: UnsafeMutablePointer<Int32>, _ options: Int32) -> pid_t {
    if let call = SystemCalls.injected?.waitpid { return call(pid, status, options) }
    return Glibc.waitpid(pid, status, options)
  }
  func kill(_ pid: pid_t, _ signal: Int32) -> Int32 {
    if let call = SystemCalls.injected?.kill { return call(pid, signal) }
    return Glibc.kill(pid, signal)
  }
}

/// `flock(2)`, named apart from the `flock` structure (which `Glibc.flock` would mean).
private func lockWholeFile(_ fd: Int32, _ operation: Int32) -> Int32 {
  flock(fd, operation)
}
