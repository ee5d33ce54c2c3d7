import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Writes a file outside the state home as TandemState writes its own documents: a
/// temporary file beside it, written whole and flushed to disk, then renamed over it. A
/// reader of the file sees the old content or the new, never a part of it.
enum ExportFile {
  /// Replaces the file at `path` with `text`.
  static func write(_ text: String, to path: String) throws(StateError) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !name.isEmpty else {
      throw StateError(.invalidArgument, "\(path) names a directory; give a file name")
    }
    let temporary = "\(directory)/.\(name).\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure(errno, path, while: "creating a temporary file in \(directory)") }
    var bytes = Array(text.utf8)
    var written = 0
    var failed: Int32 = 0
    while written < bytes.count && failed == 0 {
      let count = bytes.withUnsafeMutableBytes {
        Glibc.write(fd, $0.baseAddress! + written, $0.count - written)
      }
      if count > 0 {
        written += count
      } else if count < 0 && errno != EINTR {
        failed = errno
      }
    }
    if failed == 0 && fsync(fd) != 0 { failed = errno }
    close(fd)
    if failed == 0 && rename(temporary, path) != 0 { failed = errno }
    guard failed == 0 else {
      unlink(temporary)
      throw failure(failed, path, while: "writing it")
    }
  }

  /// The error for a failed system call, with the code the framework's catalog maps to an
  /// exit status (a full disk is exit 4, a denied directory exit 7, ...).
  private static func failure(_ number: Int32, _ path: String, while step: String) -> StateError {
    let code: StateError.Code
    switch number {
    case ENOENT, ENOTDIR: code = .notFound
    case EACCES, EPERM: code = .permissionDenied
    case ENOSPC, EDQUOT: code = .diskFull
    case EROFS: code = .readOnlyFileSystem
    default: code = .ioError
    }
    let reason = String(cString: strerror(number))
    return StateError(
      code, "cannot write \(path): \(reason) (errno \(number)) while \(step); nothing was written", path: path
    )
  }
}
