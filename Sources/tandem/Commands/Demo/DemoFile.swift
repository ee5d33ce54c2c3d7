#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Reads a small file the demo's scenarios wrote.
enum DemoFile {
  struct Missing: Error {}

  static func read(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw Missing() }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
    return count > 0 ? Array(buffer[0..<count]) : []
  }
}
