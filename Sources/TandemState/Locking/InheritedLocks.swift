#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Locks that this process inherited from a `lock run` (or another holder) that started it.
///
/// A command run under a lock often calls the tool again: `tandem lock run -- sh -c
/// 'tandem config get n; tandem config set n=...'`. Those calls open the lock file anew,
/// and an open-file-description lock conflicts with every other open, so they would wait on
/// their own parent until they time out. The holder therefore lists the locks it passes
/// down in `TANDEM_HELD_LOCKS` (`device:inode:descriptor`, comma-separated); a process that
/// finds the lock it wants there, with that descriptor still open on that file, uses the
/// inherited lock as a nested one instead of waiting for it.
public enum InheritedLocks {
  /// The environment variable that lists inherited locks.
  public static let environmentVariable = "TANDEM_HELD_LOCKS"

  /// The `TANDEM_HELD_LOCKS=...` entry that passes `fd` (a held, inheritable lock) down to a
  /// child, keeping what this process itself inherited.
  public static func environmentEntry(adding fd: Int32) -> String {
    var info = stat()
    fstat(fd, &info)
    var entries = current()
    entries.append("\(UInt64(info.st_dev)):\(UInt64(info.st_ino)):\(fd)")
    return "\(environmentVariable)=" + entries.joined(with: ",")
  }

  private static func current() -> [String] {
    guard let raw = getenv(environmentVariable) else { return [] }
    return String(cString: raw).split(separator: ",").map(String.init)
  }

  /// Whether the lock on the file `key` was inherited and is still held through the listed
  /// descriptor. A listed descriptor that is closed, names another file, or cannot take the
  /// lock (someone else holds it) does not count: then the caller waits as usual.
  static func holds(_ key: FileKey) -> Bool {
    for entry in current() {
      let parts = entry.split(separator: ":")
      guard parts.count == 3, let device = UInt64(parts[0]), let inode = UInt64(parts[1]),
        let fd = Int32(parts[2]),
        device == key.device, inode == key.inode
      else { continue }
      var info = stat()
      guard fstat(fd, &info) == 0, FileKey(info) == key else { continue }
      // Taking the lock again through the same open file description succeeds at once if
      // that description holds it, and fails if another one does.
      if OpenFileLock.lockExclusive(fd, wait: false) == 0 { return true }
    }
    return false
  }
}
