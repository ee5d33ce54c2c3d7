#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Reads and writes the small files of the demo's temporary directory.
enum DemoFile {
  /// The file could not be read or written.
  struct Failure: Error {}

  /// The first 64 KiB of the file at `path`.
  static func read(_ path: String) throws(Failure) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw Failure() }
    defer { close(fd) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while result.count < 65_536 {
      let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      result += buffer[0..<count]
    }
    return result
  }

  /// Creates or replaces the file at `path` (mode 0600) with `text`.
  static func write(_ text: String, to path: String) throws(Failure) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw Failure() }
    defer { close(fd) }
    guard DemoFile.writeAll(Array(text.utf8), to: fd) else { throw Failure() }
  }

  /// Writes all of `bytes` to `fd`; false if a write failed (`EPIPE` included).
  static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
    var written = 0
    while written < bytes.count {
      let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { return false }
      written += count
    }
    return true
  }

  /// The decimal number the file at `path` holds (white space around it allowed); nil when
  /// the file is missing or holds anything else.
  static func number(_ path: String) -> Int? {
    guard let bytes = try? read(path) else { return nil }
    let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }
    let digits = bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
    return Int(String(decoding: digits, as: UTF8.self))
  }
}
