import Foundation
import TandemPostgres
import TandemState
import TandemTestSupport
import Testing

/// Reading the store URL and finding the password, as PostgreSQL's own tools do, with no
/// password ever taken from the URL. No server needed.
@Suite("The store URL and the password")
struct StoreURLTests {
  @Test("parts missing from the URL come from libpq's variables, then libpq's defaults")
  func defaults() throws {
    let full = try PostgresStoreURL(
      "postgresql://agent@db.example:6543/state?sslmode=verify-full&connect_timeout=3", environment: [:])
    #expect(
      full.user == "agent" && full.host == "db.example" && full.port == 6543 && full.database == "state")
    #expect(full.tlsMode == .verifyFull && full.connectTimeoutSeconds == 3)
    let bare = try PostgresStoreURL(
      "postgres://", environment: ["PGUSER": "u", "PGHOST": "h", "PGPORT": "7000"])
    #expect(bare.user == "u" && bare.host == "h" && bare.port == 7000 && bare.database == "u")
    #expect(bare.tlsMode == .prefer)
    let fromLogin = try PostgresStoreURL("postgresql://localhost", environment: ["USER": "me"])
    #expect(fromLogin.user == "me" && fromLogin.database == "me" && fromLogin.port == 5432)
    let encoded = try PostgresStoreURL("postgresql://a%40b@[::1]:5433/d%2Fe", environment: [:])
    #expect(
      encoded.user == "a@b" && encoded.host == "::1" && encoded.port == 5433 && encoded.database == "d/e")
    let socket = try PostgresStoreURL("postgresql:///db?host=/run/postgresql", environment: ["USER": "me"])
    #expect(socket.socketDirectory == "/run/postgresql")
  }

  @Test("stores in two schemas of one database show different places in messages")
  func schemaInLocation() throws {
    let plain = try PostgresStoreURL("postgresql://agent@db.example/state?sslmode=require", environment: [:])
    let first = try PostgresStoreURL("postgresql://agent@db.example/state?schema=team_a", environment: [:])
    let second = try PostgresStoreURL("postgresql://agent@db.example/state?schema=team_b", environment: [:])
    #expect(plain.location == "postgresql://agent@db.example:5432/state")
    #expect(plain.redacted == "postgresql://agent@db.example:5432/state?sslmode=require")
    #expect(first.location == "postgresql://agent@db.example:5432/state?schema=team_a")
    #expect(first.redacted == "postgresql://agent@db.example:5432/state?schema=team_a&sslmode=prefer")
    #expect(first.location != second.location)
    // The paths of documents in messages start with the location.
    let backend = try PostgresBackend(
      url: "postgresql://agent@db.example/state?schema=team_a", tool: .tandem, environment: [:])
    let path = backend.store(.shared, document: "config").path
    #expect(path == "postgresql://agent@db.example:5432/state?schema=team_a#tandem/shared/config", "\(path)")
  }

  @Test("a password in the URL is refused, and the message does not repeat it")
  func passwordRefused() {
    for text in ["postgresql://agent:s3cret-pw@host/db", "postgresql://agent@host/db?password=s3cret-pw"] {
      let error = #expect(throws: StateError.self) { try PostgresStoreURL(text, environment: [:]) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.contains("s3cret-pw") == false, "\(error?.message ?? "")")
      #expect(error?.message.contains("PGPASSWORD") == true)
    }
  }

  @Test("malformed URLs and unknown parameters are refused with what to fix")
  func malformed() {
    let cases: [(String, String)] = [
      ("mysql://host/db", "postgresql://"),
      ("postgresql://host:0/db", "port"),
      ("postgresql://host:99999/db", "port"),
      ("postgresql://host/db?sslmode=requir", "sslmode"),
      ("postgresql://host/db?ssl_mode=require", "unknown parameter"),
      ("postgresql://host/db?sslmode", "no value"),
      ("postgresql://h1,h2/db", "several hosts"),
      ("postgresql://host/db?statement_timeout=-1", "statement_timeout"),
      ("postgresql://host/db?schema=Bad-Name", "schema"),
      ("postgresql://host/%zz", "%"),
    ]
    for (text, expected) in cases {
      let error = #expect(throws: StateError.self, "\(text)") { try PostgresStoreURL(text, environment: [:]) }
      #expect(error?.code == .invalidArgument, "\(text)")
      #expect(error?.message.contains(expected) == true, "\(text): \(error?.message ?? "")")
      #expect(error?.fixRequired != nil, "\(text)")
    }
  }

  @Test("the password comes from PGPASSWORD, else the first matching line of the password file")
  func passwordFile() throws {
    let directory = TemporaryDirectory()
    let file = directory.appending("pgpass")
    try """
    # comment
    other:5432:*:agent:wrong-host
    db.example:5432:state:agent:right\\:one
    *:*:*:*:fallback
    """.write(toFile: file, atomically: true, encoding: .utf8)
    chmod(file, 0o600)
    let url = try PostgresStoreURL("postgresql://agent@db.example/state", environment: [:])
    let backend = try PostgresBackend(
      url: "postgresql://agent@db.example/state", tool: .tandem, environment: ["PGPASSFILE": file])
    #expect(backend.url == url)
    #expect(try PostgresBackend.password(for: url, environment: ["PGPASSFILE": file]) == "right:one")
    #expect(
      try PostgresBackend.password(for: url, environment: ["PGPASSFILE": file, "PGPASSWORD": "env"]) == "env")
    let elsewhere = try PostgresStoreURL("postgresql://x@y/z", environment: [:])
    #expect(try PostgresBackend.password(for: elsewhere, environment: ["PGPASSFILE": file]) == "fallback")
    #expect(try PostgresBackend.password(for: url, environment: ["HOME": directory.path]) == nil)

    chmod(file, 0o644)
    let error = #expect(throws: StateError.self) {
      try PostgresBackend.password(for: url, environment: ["PGPASSFILE": file])
    }
    #expect(error?.code == .setupRequired && error?.fixRequired == "chmod 600 \(file)")
  }
}
