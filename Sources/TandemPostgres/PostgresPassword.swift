import TandemState

#if canImport(Glibc)
  import Glibc
#endif

/// Where the connection's password comes from, as PostgreSQL's own tools look for it:
/// `PGPASSWORD`, else the password file (`PGPASSFILE`, else `~/.pgpass`). Never the URL and
/// never the command line, which every user of the host can read.
enum PostgresPassword {
  /// The password for `url`, or `nil` when none is set (the server may not ask for one).
  ///
  /// A password file readable by its group or others is refused, as libpq ignores it, but
  /// with an error: a password that silently goes unused is a login failure later with no
  /// hint why.
  static func find(for url: PostgresStoreURL, environment: [String: String]) throws(StateError) -> String? {
    if let password = environment["PGPASSWORD"], !password.isEmpty { return password }
    let path: String
    if let file = environment["PGPASSFILE"], !file.isEmpty {
      path = file
    } else if let home = environment["HOME"], !home.isEmpty {
      path = home + "/.pgpass"
    } else {
      return nil
    }
    guard let text = try read(path) else { return nil }
    let host = url.socketDirectory == nil ? url.host : "localhost"
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
      let fields = split(line)
      guard fields.count == 5 else { continue }
      if matches(fields[0], host) && matches(fields[1], String(url.port)) && matches(fields[2], url.database)
        && matches(fields[3], url.user)
      {
        return fields[4]
      }
    }
    return nil
  }

  /// A password-file line's fields: `:` separates them, `\:` and `\\` escape.
  static func split(_ line: Substring) -> [String] {
    var fields: [String] = []
    var current = ""
    var escaped = false
    for character in line {
      if escaped {
        current.append(character)
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else if character == ":" && fields.count < 4 {
        fields.append(current)
        current = ""
      } else {
        current.append(character)
      }
    }
    fields.append(current)
    return fields
  }

  private static func matches(_ pattern: String, _ value: String) -> Bool {
    pattern == "*" || pattern == value
  }

  /// The file's text; `nil` when there is none. Refuses a file others may read.
  private static func read(_ path: String) throws(StateError) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    if info.st_mode & 0o077 != 0 {
      var failure = StateError(
        .setupRequired,
        "the password file \(path) may be read by other users (mode \(String(info.st_mode & 0o777, radix: 8))), "
          + "so it is not used")
      failure.fixRequired = "chmod 600 \(path)"
      throw failure
    }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 1 << 20 {
      let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
