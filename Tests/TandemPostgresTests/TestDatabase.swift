import Foundation
import TandemPostgres
import TandemState
import Testing

/// The PostgreSQL server the tests use: the one `scripts/postgres start` made (scripts/test
/// starts it and exports its variables). Without it the tests fail, saying how to start one;
/// only `TANDEM_TEST_POSTGRES=skip`, set on purpose, turns them off (and they are reported
/// as skipped, never as passed).
enum TestDatabase {
  static let environment = ProcessInfo.processInfo.environment

  /// The server's URL, without a password.
  static var url: String? { environment["TANDEM_TEST_POSTGRES_URL"] }

  /// Whether the tests were turned off on purpose.
  static var skipped: Bool { environment["TANDEM_TEST_POSTGRES"] == "skip" }

  /// The environment a client gets: the password in `PGPASSWORD`, as an agent's would be.
  static var clientEnvironment: [String: String] {
    var result = environment
    result["PGPASSWORD"] = environment["TANDEM_TEST_POSTGRES_PASSWORD"]
    result.removeValue(forKey: "PGPASSFILE")
    return result
  }

  /// The URL, or a recorded failure saying how to get one.
  static func requireURL() throws -> String {
    guard let url else {
      Issue.record(
        """
        TANDEM_TEST_POSTGRES_URL is not set: run the tests with scripts/test, or start a server with \
        `eval "$(scripts/postgres start DIR)"` first
        """)
      throw CancellationError()
    }
    return url
  }

  /// A tool name no other test uses, so that each test has documents and locks of its own
  /// in the shared database.
  static func freshTool() -> ToolIdentity {
    ToolIdentity(name: "t" + String(UInt64.random(in: .min ... .max), radix: 36))
  }

  /// A backend for a fresh tool.
  static func backend(tool: ToolIdentity = freshTool(), query: String = "") throws -> PostgresBackend {
    let base = try requireURL()
    let separator = base.contains("?") ? "&" : "?"
    return try PostgresBackend(
      url: query.isEmpty ? base : base + separator + query, tool: tool, environment: clientEnvironment)
  }
}

extension Trait where Self == ConditionTrait {
  /// Runs the test unless PostgreSQL tests were turned off on purpose.
  static var needsPostgres: Self {
    .enabled(if: !TestDatabase.skipped, "TANDEM_TEST_POSTGRES=skip turns off the PostgreSQL tests")
  }
}
