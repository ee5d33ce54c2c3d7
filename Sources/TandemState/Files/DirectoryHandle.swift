#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// An open directory below which state files are found by name, never by a path that the
/// kernel would resolve through symbolic links.
///
/// Every file operation of the framework goes through one of these (`openat`, `renameat`,
/// `unlinkat` with `O_NOFOLLOW`), which is what keeps a planted symbolic link from
/// redirecting a write outside the home.
final class DirectoryHandle {
  /// The open directory.
  let fd: Int32
  /// The directory's path, for messages only.
  let path: String

  private init(fd: Int32, path: String) {
    self.fd = fd
    self.path = path
  }

  deinit { close(fd) }

  /// Opens a directory by path (following links: this is the user's chosen home).
  static func openRoot(_ path: String, create: Bool) throws(StateError) -> DirectoryHandle? {
    let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 { return DirectoryHandle(fd: fd, path: path) }
    let error = lastErrno()
    guard error == ENOENT, create else {
      if error == ENOENT { return nil }
      throw StateError.system(SystemCallError("open", errno: error), path: path, doing: "open the state home")
    }
    try makeDirectories(path)
    let created = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard created >= 0 else {
      throw StateError.system(
        SystemCallError("open", errno: lastErrno()), path: path, doing: "open the state home")
    }
    return DirectoryHandle(fd: created, path: path)
  }

  /// `mkdir -p` with mode 0700 for every directory it creates.
  private static func makeDirectories(_ path: String) throws(StateError) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      prefix += part
      if mkdir(prefix, 0o700) == 0 {
        chmod(prefix, 0o700)
      } else if lastErrno() != EEXIST {
        throw StateError.system(SystemCallError("mkdir", errno: lastErrno()), path: prefix, doing: "create")
      }
      prefix += "/"
    }
  }

  /// The path of `name` in this directory, for messages.
  func displayPath(_ name: String) -> String {
    path.hasSuffix("/") ? path + name : path + "/" + name
  }

  /// Opens the subdirectory `name` without following a link, creating it with mode 0700
  /// when `create` is set. Returns `nil` when it does not exist and `create` is not set.
  func openSubdirectory(_ name: String, create: Bool) throws(StateError) -> DirectoryHandle? {
    var createdNow = false
    if create {
      if mkdirat(fd, name, 0o700) == 0 {
        createdNow = true
      } else if lastErrno() != EEXIST {
        throw StateError.system(
          SystemCallError("mkdirat", errno: lastErrno()), path: displayPath(name), doing: "create")
      }
    }
    let sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard sub >= 0 else {
      let error = lastErrno()
      if error == ENOENT && !create { return nil }
      if error == ELOOP || error == ENOTDIR {
        throw refusal(name, "is not a plain directory (a symbolic link or a file)")
      }
      throw StateError.system(SystemCallError("openat", errno: error), path: displayPath(name), doing: "open")
    }
    // The umask may have narrowed or widened nothing we can see; make the mode exact.
    if createdNow { fchmod(sub, 0o700) }
    return DirectoryHandle(fd: sub, path: displayPath(name))
  }

  /// Reads the regular file `name` whole, refusing links and files over `limit` bytes.
  /// Returns `nil` when there is no such file.
  func readFile(_ name: String, limit: Int) throws(StateError) -> [UInt8]? {
    let file = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard file >= 0 else {
      let error = lastErrno()
      if error == ENOENT { return nil }
      if error == ELOOP { throw refusal(name, "is a symbolic link") }
      throw StateError.system(SystemCallError("openat", errno: error), path: displayPath(name), doing: "read")
    }
    defer { close(file) }
    var info = stat()
    guard fstat(file, &info) == 0 else {
      throw StateError.system(
        SystemCallError("fstat", errno: lastErrno()), path: displayPath(name), doing: "read")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw refusal(name, "is not a regular file") }
    guard Int(info.st_size) <= limit else {
      var error = StateError(
        .stateCorrupt,
        "\(displayPath(name)) is \(info.st_size) bytes, over the \(limit)-byte limit of a state document",
        path: displayPath(name))
      error.fixRequired = "move \(displayPath(name)) aside"
      throw error
    }
    var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
    var total = 0
    while true {
      let count = bytes.withUnsafeMutableBytes { buffer in
        retryingOnInterrupt { Glibc.read(file, buffer.baseAddress! + total, buffer.count - total) }
      }
      if count < 0 {
        throw StateError.system(
          SystemCallError("read", errno: lastErrno()), path: displayPath(name), doing: "read")
      }
      if count == 0 { break }
      total += count
      if total == bytes.count {
        // The file grew while being read; no state file does that, but stay bounded.
        guard total <= limit else { break }
        bytes.append(contentsOf: repeatElement(0, count: 4096))
      }
    }
    bytes.removeSubrange(total...)
    return bytes
  }

  /// Metadata of `name` without following a link, or `nil` if there is no such entry.
  func status(_ name: String) -> stat? {
    var info = stat()
    guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
    return info
  }

  /// The names in this directory, without `.` and `..`.
  func entries() throws(StateError) -> [String] {
    let copy = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard copy >= 0, let stream = fdopendir(copy) else {
      throw StateError.system(SystemCallError("opendir", errno: lastErrno()), path: path, doing: "list")
    }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// Removes the file `name`; a missing file is not an error.
  func removeFile(_ name: String) throws(StateError) {
    if unlinkat(fd, name, 0) != 0 && lastErrno() != ENOENT {
      throw StateError.system(
        SystemCallError("unlinkat", errno: lastErrno()), path: displayPath(name), doing: "remove")
    }
  }

  /// Flushes the directory's entries (a rename into it) to stable storage.
  func synchronize() throws(StateError) {
    if fsync(fd) != 0 && lastErrno() != EINVAL {
      throw StateError.system(SystemCallError("fsync", errno: lastErrno()), path: path, doing: "flush")
    }
  }

  private func refusal(_ name: String, _ what: String) -> StateError {
    var error = StateError(
      .unsafeStatePath,
      "refusing \(displayPath(name)): it \(what); state paths must be plain files and directories",
      path: displayPath(name))
    error.fixRequired = "remove or move \(displayPath(name)) and try again"
    return error
  }
}
