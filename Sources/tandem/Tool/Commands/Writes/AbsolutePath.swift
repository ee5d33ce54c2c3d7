#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// A state path as writes report it: absolute, so that an agent reading the answer knows
/// which file was written whatever its own working directory is.
enum AbsolutePath {
  /// `path` made absolute against the working directory, with `.` and empty components
  /// dropped. `..` is kept: resolving it would need the file system (a link may lie before
  /// it), and the path stays correct with it. An absolute path without such components is
  /// returned as it is, at the cost of one scan.
  static func of(_ path: String) -> String {
    if path.hasPrefix("/") && !needsCleaning(path) { return path }
    var base = ""
    if !path.hasPrefix("/") {
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      // Without a working directory (removed meanwhile) the path is left relative rather
      // than made up.
      guard getcwd(&buffer, buffer.count) != nil else { return path }
      base = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    let parts = (base + "/" + path).split(separator: "/").filter { $0 != "." }
    return "/" + parts.joined(separator: "/")
  }

  /// Whether `path` has an empty or `.` component, or a trailing `/`: one pass over its
  /// bytes in place (writes on the hot route ask for every answer).
  private static func needsCleaning(_ path: String) -> Bool {
    var path = path
    return path.withUTF8 { bytes in
      let slash = UInt8(ascii: "/")
      let dot = UInt8(ascii: ".")
      var previous: UInt8 = 0
      var beforePrevious: UInt8 = 0
      for byte in bytes {
        if byte == slash && (previous == slash || (previous == dot && beforePrevious == slash)) {
          return true
        }
        beforePrevious = previous
        previous = byte
      }
      return (previous == slash && bytes.count > 1) || (previous == dot && beforePrevious == slash)
    }
  }
}
