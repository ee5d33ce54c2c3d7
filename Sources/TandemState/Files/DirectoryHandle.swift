internal import SystemPlatform

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

  deinit { SystemCall.release(fd) }

  /// Opens a directory by path (following links: this is the user's chosen home).
  static func openRoot(_ path: String, create: Bool) throws(StateError) -> DirectoryHandle? {
    let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC
    do throws(SystemCallError) {
      return DirectoryHandle(fd: try SystemCall.open(path, flags: flags), path: path)
    } catch let error where error.errno == ENOENT {
      guard create else { return nil }
    } catch {
      throw StateError.system(error, path: path, doing: "open the state home")
    }
    try makeDirectories(path)
    do throws(SystemCallError) {
      return DirectoryHandle(fd: try SystemCall.open(path, flags: flags), path: path)
    } catch {
      throw StateError.system(error, path: path, doing: "open the state home")
    }
  }

  /// `mkdir -p` with mode 0700 for every directory it creates.
  private static func makeDirectories(_ path: String) throws(StateError) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      prefix += part
      do throws(SystemCallError) {
        try SystemCall.makeDirectory(prefix, mode: 0o700)
        // The umask may have narrowed the mode; make it exact.
        try SystemCall.setMode(0o700, of: prefix)
      } catch let error where error.errno == EEXIST {
        // Already there: used as it is.
      } catch {
        throw StateError.system(error, path: prefix, doing: "create")
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
      do throws(SystemCallError) {
        try SystemCall.makeDirectory(name, in: fd, mode: 0o700)
        createdNow = true
      } catch let error where error.errno == EEXIST {
        // Already there: opened below like any other.
      } catch {
        throw StateError.system(error, path: displayPath(name), doing: "create")
      }
    }
    let sub: Int32
    do throws(SystemCallError) {
      sub = try SystemCall.open(name, in: fd, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    } catch let error where error.errno == ENOENT && !create {
      return nil
    } catch let error where error.errno == ELOOP || error.errno == ENOTDIR {
      throw refusal(name, "is not a plain directory (a symbolic link or a file)")
    } catch {
      throw StateError.system(error, path: displayPath(name), doing: "open")
    }
    let handle = DirectoryHandle(fd: sub, path: displayPath(name))
    if createdNow {
      // The umask may have narrowed the mode; make it exact.
      do throws(SystemCallError) {
        try SystemCall.setMode(0o700, of: sub)
      } catch {
        throw StateError.system(error, path: displayPath(name), doing: "create")
      }
    }
    return handle
  }

  /// Reads the regular file `name` whole, refusing links and files over `limit` bytes.
  /// Returns `nil` when there is no such file.
  func readFile(_ name: String, limit: Int) throws(StateError) -> [UInt8]? {
    let file: Int32
    do throws(SystemCallError) {
      file = try SystemCall.open(name, in: fd, flags: O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    } catch let error where error.errno == ENOENT {
      return nil
    } catch let error where error.errno == ELOOP {
      throw refusal(name, "is a symbolic link")
    } catch {
      throw StateError.system(error, path: displayPath(name), doing: "read")
    }
    defer { SystemCall.release(file) }
    let info: stat
    do throws(SystemCallError) {
      info = try SystemCall.status(of: file)
    } catch {
      throw StateError.system(error, path: displayPath(name), doing: "read")
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
      let read = bytes.withUnsafeMutableBytes { buffer in
        Result { () throws(SystemCallError) in
          try SystemCall.read(file, into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]))
        }
      }
      let count: Int
      switch read {
      case .success(let value): count = value
      case .failure(let error): throw StateError.system(error, path: displayPath(name), doing: "read")
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

  /// Metadata of `name` without following a link, or `nil` if there is no such entry (or it
  /// cannot be examined: the callers treat both as "not the entry they are looking for").
  func status(_ name: String) -> stat? {
    try? SystemCall.status(of: name, in: fd)
  }

  /// The names in this directory, without `.` and `..`.
  func entries() throws(StateError) -> [String] {
    do throws(SystemCallError) {
      return try SystemCall.entries(of: fd)
    } catch {
      throw StateError.system(error, path: path, doing: "list")
    }
  }

  /// Renames the entry `name` to `newName` in this directory, replacing what was there.
  func rename(_ name: String, to newName: String, doing action: String) throws(StateError) {
    do throws(SystemCallError) {
      try SystemCall.rename(name, in: fd, to: newName, in: fd)
    } catch {
      throw StateError.system(error, path: displayPath(name), doing: action)
    }
  }

  /// Removes the file `name`; a missing file is not an error.
  func removeFile(_ name: String) throws(StateError) {
    do throws(SystemCallError) {
      try SystemCall.unlink(name, in: fd)
    } catch let error where error.errno == ENOENT {
      return
    } catch {
      throw StateError.system(error, path: displayPath(name), doing: "remove")
    }
  }

  /// Flushes the directory's entries (a rename into it) to stable storage.
  func synchronize() throws(StateError) {
    do throws(SystemCallError) {
      try SystemCall.synchronizeDirectory(fd)
    } catch {
      throw StateError.system(error, path: path, doing: "flush")
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
