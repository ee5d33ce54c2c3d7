#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Whether a lock is held and by whom, read without taking it.
public struct LockStatus: Sendable {
  /// The lock file's path.
  public let path: String
  /// Whether another open file holds the lock right now (the kernel's answer).
  public let isHeld: Bool
  /// The holder's own record, when the lock is held and the record could be read.
  public let holder: LockHolder?
  /// How long holds of this lock usually take, in microseconds (0 when unknown).
  public let typicalHoldMicroseconds: Int64

  /// How long holds of this lock usually take (zero when unknown).
  public var typicalHold: Duration { .microseconds(typicalHoldMicroseconds) }

  /// A status, for backends other than the file store.
  public init(path: String, isHeld: Bool, holder: LockHolder?, typicalHoldMicroseconds: Int64) {
    self.path = path
    self.isHeld = isHeld
    self.holder = holder
    self.typicalHoldMicroseconds = typicalHoldMicroseconds
  }

  static func read(home: StateHome, directory components: [String], name: String) throws(StateError)
    -> LockStatus
  {
    let path = home.displayPath(components + [name])
    guard let directory = try home.openDirectory(components, create: false) else {
      return LockStatus(path: path, isHeld: false, holder: nil, typicalHoldMicroseconds: 0)
    }
    // Non-blocking: the open of a FIFO planted at the lock file's path would otherwise wait
    // for a writer forever, and `lock status` with it.
    let fd = openat(directory.fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      if lastErrno() == ENOENT {
        return LockStatus(path: path, isHeld: false, holder: nil, typicalHoldMicroseconds: 0)
      }
      throw StateError.system(SystemCallError("openat", errno: lastErrno()), path: path, doing: "read")
    }
    defer { close(fd) }
    // As a writer refuses it (LockAcquisition.openLockFile): only a regular file is a lock file.
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
      throw StateError(.unsafeStatePath, "refusing \(path): it is not a regular file", path: path)
    }
    let held = OpenFileLock.isHeldElsewhere(fd)
    let record = LockRecord.read(from: fd, expectingHolder: held)
    return LockStatus(
      path: path, isHeld: held, holder: held ? record?.holder : nil,
      typicalHoldMicroseconds: record?.meanHoldMicroseconds ?? 0)
  }
}
