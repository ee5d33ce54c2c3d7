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
/// down in the tool's ``ToolIdentity/heldLocksVariable`` (e.g. `TANDEM_HELD_LOCKS`:
/// `device:inode:descriptor:level`, comma-separated).
///
/// Inheriting a lock does not mean holding it alone: a command run under the lock may start
/// several tools at once (`xargs -P`, `make -j`, `&`). A process that finds the lock it
/// wants listed, with that descriptor still holding its level of the file, therefore takes
/// the next level (the next byte of the lock file) through an open file
/// of its own: processes below one holder exclude each other, and outsiders, who ask for
/// the whole file, still wait for the outermost holder.
public enum InheritedLocks {
  /// The `PREFIX_HELD_LOCKS=...` entry that passes `lock` down to a child of `tool`,
  /// keeping what this process itself inherited. Call after ``FileLock/makeInheritable()``.
  public static func environmentEntry(for lock: FileLock, tool: ToolIdentity) -> String {
    var entries = current(tool.heldLocksVariable)
    entries.append("\(lock.key.device):\(lock.key.inode):\(lock.fd):\(lock.level)")
    return "\(tool.heldLocksVariable)=" + entries.joined(with: ",")
  }

  private static func current(_ variable: String) -> [String] {
    guard let raw = getenv(variable) else { return [] }
    return String(cString: raw).split(separator: ",").map(String.init)
  }

  /// The deepest level at which the lock on the file `key` was inherited and is still held
  /// through the listed descriptor, or `nil`. A listed descriptor that is closed, names
  /// another file, or does not hold its level (someone else does) does not count: then the
  /// caller waits as an outsider.
  static func level(of key: FileKey, variable: String) -> Int? {
    var deepest: Int?
    for entry in current(variable) {
      let parts = entry.split(separator: ":")
      guard parts.count == 3 || parts.count == 4, let device = UInt64(parts[0]),
        let inode = UInt64(parts[1]), let fd = Int32(parts[2]),
        device == key.device, inode == key.inode
      else { continue }
      let level = parts.count == 4 ? Int(parts[3]) ?? -1 : 0
      guard (0...LockRange.maximumLevel).contains(level), level > (deepest ?? -1) else { continue }
      var info = stat()
      guard fstat(fd, &info) == 0, FileKey(info) == key else { continue }
      // Taking the level again through the same open file description succeeds at once if
      // that description holds it, and fails if another one does.
      if OpenFileLock.lockExclusive(fd, range: .level(level), wait: false) == 0 { deepest = level }
    }
    return deepest
  }
}
