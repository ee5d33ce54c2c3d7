import TandemCLI
import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The few file operations that seeding a tool's namespace needs, with errors that name the
/// path. Private modes: 0700 directories, 0600 files.
enum FileSystem {
  /// The largest file copied when seeding: configuration, not data.
  static let largestFile = 16 << 20

  static func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
  }

  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// Creates the directories of `path` (mode 0700). Below `root` (the state home), each must
  /// be a real directory: a symbolic link or a file planted there is refused with
  /// `UNSAFE_STATE_PATH` (exit 4) rather than followed out of the home.
  static func makeDirectories(_ path: String, below root: String) throws {
    precondition(path == root || path.hasPrefix(root + "/"), "\(path) is not below \(root)")
    var current = ""
    for component in path.split(separator: "/") {
      current += "/" + component
      if mkdir(current, 0o700) != 0 && errno != EEXIST { throw failure("create the directory", current) }
      guard current.count > root.count else { continue }
      var info = stat()
      guard lstat(current, &info) == 0 else { throw failure("inspect", current) }
      guard (info.st_mode & S_IFMT) == S_IFDIR else {
        var failure = CommandFailure(
          code: "UNSAFE_STATE_PATH", exitCode: .precondition,
          message: "refusing \(current): it is a symbolic link or not a directory, where the state home "
            + "holds a tool's namespace; nothing was written")
        failure.fixRequired = "remove \(current); state paths must be plain directories"
        failure.details = [("path", .string(current))]
        throw failure
      }
    }
  }

  /// Reads the regular file at `path` (a profile, or a user's file to seed a namespace with).
  ///
  /// Anything else is refused before it is read: a FIFO (or a device) would block the read
  /// for as long as nothing writes to it, and seeding holds the tool's lock meanwhile, so
  /// that every other call of the tool would wait behind it too.
  static func readFile(_ path: String) throws -> [UInt8] {
    // Non-blocking so that even the open of a FIFO returns at once.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw failure("read", path) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw failure("read", path) }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      var failure = CommandFailure(
        code: "IO_ERROR", exitCode: .generalError,
        message: "cannot read \(path): it is not a regular file (a directory, a FIFO, a device or a socket)")
      failure.fixRequired = "replace \(path) with a regular file, or remove it"
      failure.details = [("path", .string(path))]
      throw failure
    }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw failure("read", path) }
      if count == 0 { return bytes }
      bytes += buffer[0..<count]
      guard bytes.count <= largestFile else {
        throw CommandFailure(
          code: "LIMIT_EXCEEDED", exitCode: .argumentError,
          message:
            "\(path) is larger than \(largestFile) bytes, too large for a configuration file; it was not read"
        )
      }
    }
  }

  /// Writes `bytes` to `path` by a temporary file and a rename, mode 0600.
  static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let temporary = path + ".tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { throw failure("create", temporary) }
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else {
        close(fd)
        unlink(temporary)
        throw failure("write", temporary)
      }
      offset += count
    }
    guard fsync(fd) == 0, close(fd) == 0 else {
      unlink(temporary)
      throw failure("write", temporary)
    }
    guard rename(temporary, path) == 0 else {
      unlink(temporary)
      throw failure("rename into place", path)
    }
  }

  static func copyFile(_ source: String, to target: String) throws {
    try writeFile(target, try readFile(source))
  }

  /// Copies the regular files and directories below `source` into `target` (below the state
  /// home `root`); symbolic links and the `skipping` names at its top are left out.
  static func copyDirectory(_ source: String, to target: String, below root: String, skipping: [String] = [])
    throws
  {
    for name in try names(in: source) where !skipping.contains(name) {
      let from = source + "/" + name
      let to = target + "/" + name
      var info = stat()
      guard lstat(from, &info) == 0 else { continue }
      switch info.st_mode & S_IFMT {
      case S_IFDIR:
        try makeDirectories(to, below: root)
        try copyDirectory(from, to: to, below: root)
      case S_IFREG:
        try copyFile(from, to: to)
      default:
        continue
      }
    }
  }

  /// The names in a directory, without `.` and `..`.
  static func names(in path: String) throws -> [String] {
    guard let directory = opendir(path) else { throw failure("read the directory", path) }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// A symbolic link at `path` to `destination` (replacing what is there).
  static func link(_ path: String, to destination: String) throws {
    unlink(path)
    guard symlink(destination, path) == 0 else { throw failure("link", path) }
  }

  private static func failure(_ action: String, _ path: String) -> CommandFailure {
    let code = errno
    var failure = CommandFailure(
      code: code == EACCES || code == EPERM ? "PERMISSION_DENIED" : "IO_ERROR",
      exitCode: code == EACCES || code == EPERM ? .permissionDenied : .generalError,
      message: "cannot \(action) \(path): \(String(cString: strerror(code)))")
    failure.details = [("path", .string(path)), ("errno", .integer(Int64(code)))]
    return failure
  }
}
