internal import SystemPlatform

/// An error number reported by a system call, kept together with the call that failed.
///
/// The framework surfaces `errno` unchanged so that callers can branch on the real cause
/// (`ENOSPC`, `EROFS`, `EACCES`, ...) instead of on a message.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The raw `errno` value.
  public var errno: Int32
  /// The system call that failed, for example `"fsync"`.
  public var call: String

  /// Creates an error for `call` failing with `errno`.
  package init(_ call: String, errno: Int32) {
    self.call = call
    self.errno = errno
  }

  /// The system's description of the error number, for example "No space left on device".
  public var reason: String {
    String(cString: strerror(errno))
  }

  public var description: String { "\(call): \(reason)" }
}
