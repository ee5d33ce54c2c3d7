public import TandemState

/// Where the PostgreSQL store is: a `postgresql://` URL, read the way PostgreSQL's own tools
/// read it, with one rule of Tandem's: the URL carries no password.
///
/// `postgresql://[user@][host][:port][/database][?parameter=value&...]` (`postgres://` too).
/// Missing parts come from `PGUSER`, `PGHOST`, `PGPORT`, `PGDATABASE`, then the defaults
/// libpq uses (the login name, `localhost`, 5432, the user name). The password comes from
/// `PGPASSWORD`, else from the password file (`PGPASSFILE`, else `~/.pgpass`), never from the
/// URL: a URL is passed on command lines, and a command line is readable by every user of
/// the host (`ps`, `/proc/PID/cmdline`).
///
/// Parameters: `sslmode` (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`),
/// `sslrootcert`, `connect_timeout` (seconds), `statement_timeout` (milliseconds),
/// `keepalives_idle` (seconds), `schema` (where the tables are), `host` (a Unix-socket
/// directory, as in libpq). Any other
/// parameter is refused, so that a misspelt `sslmode` cannot silently turn TLS off.
public struct PostgresStoreURL: Sendable, Equatable {
  /// How TLS is used, as libpq's `sslmode`.
  public enum TLSMode: String, Sendable, CaseIterable {
    /// Plain TCP.
    case disable
    /// TLS when the server offers it, plain otherwise (libpq's default).
    case prefer
    /// TLS, without checking the server's certificate.
    case require
    /// TLS, with a certificate signed by a trusted authority.
    case verifyCA = "verify-ca"
    /// TLS, with a trusted certificate whose name matches the host.
    case verifyFull = "verify-full"
  }

  /// The user name.
  public var user: String
  /// The host name or address; `nil` with ``socketDirectory``.
  public var host: String
  /// The Unix-socket directory, when the server is reached through a socket.
  public var socketDirectory: String?
  /// The TCP port (also the socket's number).
  public var port: Int
  /// The database name.
  public var database: String
  /// How TLS is used.
  public var tlsMode: TLSMode
  /// A file of trusted certificate authorities (PEM), for `verify-ca` and `verify-full`.
  public var rootCertificatePath: String?
  /// How long to wait for the server to accept the connection, in seconds.
  public var connectTimeoutSeconds: Int
  /// The longest one statement may run, in milliseconds (0: the server's setting).
  public var statementTimeoutMilliseconds: Int
  /// After how many idle seconds TCP keepalive probes start, which bounds how long the
  /// server keeps a dead client's session (and its locks).
  public var keepaliveIdleSeconds: Int
  /// The database schema that holds the store's tables (`nil`: the server's search path,
  /// usually `public`). Several stores can share one database under different schemas.
  public var schema: String?

  /// The URL as it is safe to print: no password (there never is one) and no parameters
  /// but the schema and the TLS mode.
  public var redacted: String { location + (schema == nil ? "?" : "&") + "sslmode=" + tlsMode.rawValue }

  /// The server, the database and the schema when one is given, as a URL without other
  /// parameters: what paths in messages start with. Two stores in different schemas of one
  /// database therefore never show the same paths.
  public var location: String {
    let place = socketDirectory.map { "[\($0)]" } ?? (host.contains(":") ? "[\(host)]" : host)
    let base = "postgresql://\(user)@\(place):\(port)/\(database)"
    return schema.map { base + "?schema=" + $0 } ?? base
  }

  /// Reads `text`, filling what it leaves out from `environment` (libpq's variables).
  ///
  /// Throws ``StateError/Code/invalidArgument`` for anything malformed, naming what to fix.
  public init(_ text: String, environment: [String: String]) throws(StateError) {
    var rest = Substring(text)
    var scheme = ""
    if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
      scheme = rest[..<colon].lowercased()
      rest = rest[rest.index(colon, offsetBy: 3)...]
    }
    guard scheme == "postgresql" || scheme == "postgres" else {
      throw Self.invalid(text, "it must start with postgresql://")
    }
    var query = Substring("")
    if let mark = rest.firstIndex(of: "?") {
      query = rest[rest.index(after: mark)...]
      rest = rest[..<mark]
    }
    var path = Substring("")
    if let slash = rest.firstIndex(of: "/") {
      path = rest[rest.index(after: slash)...]
      rest = rest[..<slash]
    }
    var userText: String?
    if let at = rest.lastIndex(of: "@") {
      let credentials = rest[..<at]
      if credentials.contains(":") {
        throw Self.invalid(
          text,
          "it holds a password, which the command line would show to every user of the host; "
            + "remove it and set PGPASSWORD or put it in ~/.pgpass (or PGPASSFILE)", quote: false)
      }
      userText = try Self.decode(credentials, in: text)
      rest = rest[rest.index(after: at)...]
    }
    var hostText: String?
    var portText: Substring?
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]") else {
        throw Self.invalid(text, "an IPv6 address lacks its ]")
      }
      hostText = String(rest[rest.index(after: rest.startIndex)..<close])
      let after = rest[rest.index(after: close)...]
      if after.hasPrefix(":") {
        portText = after.dropFirst()
      } else if !after.isEmpty {
        throw Self.invalid(text, "unexpected text after the IPv6 address")
      }
    } else if let colon = rest.firstIndex(of: ":") {
      hostText = try Self.decode(rest[..<colon], in: text)
      portText = rest[rest.index(after: colon)...]
    } else if !rest.isEmpty {
      hostText = try Self.decode(rest, in: text)
    }
    if let hostText, hostText.contains(",") {
      throw Self.invalid(text, "several hosts are not supported: name one")
    }

    user = userText ?? environment["PGUSER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? "postgres"
    host = hostText.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGHOST"] ?? "localhost"
    socketDirectory = nil
    port = 5432
    if let portText, !portText.isEmpty {
      guard let value = Int(portText), (1...65535).contains(value) else {
        throw Self.invalid(text, "the port must be a number from 1 to 65535")
      }
      port = value
    } else if let value = environment["PGPORT"] {
      guard let number = Int(value), (1...65535).contains(number) else {
        var error = StateError(
          .invalidArgument, "PGPORT is \"\(value)\"; it must be a number from 1 to 65535")
        error.fixRequired = "fix or unset PGPORT"
        throw error
      }
      port = number
    }
    let pathText = try Self.decode(path, in: text)
    database = pathText.isEmpty ? (environment["PGDATABASE"] ?? user) : pathText
    tlsMode = .prefer
    if let mode = environment["PGSSLMODE"] { tlsMode = TLSMode(rawValue: mode) ?? .prefer }
    rootCertificatePath = environment["PGSSLROOTCERT"]
    connectTimeoutSeconds = 10
    statementTimeoutMilliseconds = 0
    keepaliveIdleSeconds = 10
    schema = nil

    for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
      guard let equals = pair.firstIndex(of: "=") else {
        throw Self.invalid(text, "parameter \"\(pair)\" has no value (use name=value)")
      }
      let name = String(pair[..<equals])
      let value = try Self.decode(pair[pair.index(after: equals)...], in: text)
      try apply(name, value, in: text)
    }
    if host.hasPrefix("/") {
      socketDirectory = host
    }
    if user.isEmpty { throw Self.invalid(text, "the user name is empty") }
    if database.isEmpty { throw Self.invalid(text, "the database name is empty") }
  }

  private mutating func apply(_ name: String, _ value: String, in text: String) throws(StateError) {
    switch name {
    case "sslmode":
      if value == "allow" {
        tlsMode = .prefer
        return
      }
      guard let mode = TLSMode(rawValue: value) else {
        throw Self.invalid(
          text, "sslmode \"\(value)\" is not one of disable, prefer, require, verify-ca, verify-full")
      }
      tlsMode = mode
    case "sslrootcert":
      rootCertificatePath = value
    case "host":
      host = value
    case "user":
      user = value
    case "dbname":
      database = value
    case "port":
      guard let number = Int(value), (1...65535).contains(number) else {
        throw Self.invalid(text, "the port must be a number from 1 to 65535")
      }
      port = number
    case "connect_timeout":
      connectTimeoutSeconds = try Self.number(value, name, in: text, range: 1...3600)
    case "statement_timeout":
      statementTimeoutMilliseconds = try Self.number(value, name, in: text, range: 0...86_400_000)
    case "keepalives_idle":
      keepaliveIdleSeconds = try Self.number(value, name, in: text, range: 1...7200)
    case "schema":
      guard !value.isEmpty, value.utf8.count <= 63,
        value.utf8.allSatisfy({
          $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x61...0x7a).contains($0)
        }),
        !(0x30...0x39).contains(value.utf8.first!)
      else {
        throw Self.invalid(text, "schema must be lower-case letters, digits and _, not starting with a digit")
      }
      schema = value
    case "password":
      throw Self.invalid(
        text,
        "it holds a password, which the command line would show to every user of the host; "
          + "remove it and set PGPASSWORD or put it in ~/.pgpass (or PGPASSFILE)", quote: false)
    default:
      throw Self.invalid(
        text,
        "unknown parameter \"\(name)\"; known: sslmode, sslrootcert, connect_timeout, "
          + "statement_timeout, keepalives_idle, schema, host, port, user, dbname")
    }
  }

  private static func number(_ value: String, _ name: String, in text: String, range: ClosedRange<Int>)
    throws(StateError) -> Int
  {
    guard let number = Int(value), range.contains(number) else {
      throw invalid(text, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
    return number
  }

  /// Percent-decoding, as URLs spell reserved characters.
  private static func decode(_ part: Substring, in text: String) throws(StateError) -> String {
    guard part.contains("%") else { return String(part) }
    var bytes: [UInt8] = []
    var iterator = Array(part.utf8)[...]
    while let byte = iterator.popFirst() {
      guard byte == UInt8(ascii: "%") else {
        bytes.append(byte)
        continue
      }
      guard iterator.count >= 2,
        let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
      else {
        throw invalid(text, "a % is not followed by two hexadecimal digits")
      }
      bytes.append(value)
      iterator = iterator.dropFirst(2)
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The error for a malformed URL. The URL is quoted only when it holds no password.
  static func invalid(_ text: String, _ reason: String, quote: Bool = true) -> StateError {
    let shown = quote ? " \"\(text)\"" : ""
    var error = StateError(.invalidArgument, "invalid store URL\(shown): \(reason)")
    error.fixRequired =
      "use postgresql://USER@HOST:PORT/DATABASE?sslmode=MODE, with the password in PGPASSWORD or ~/.pgpass"
    return error
  }
}
