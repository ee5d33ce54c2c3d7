import TandemCLI
import TandemCommands
import TandemPostgres
import TandemState

/// `--store postgresql://...` (`TANDEM_STORE`): tandem's state in a PostgreSQL database that
/// agents on several hosts share (TandemPostgres).
struct PostgresStore: StoreProvider {
  var schemes: [String] { Tandem.postgresSchemes }

  func backend(url: String, home: StateHome, tool: ToolIdentity, environment: [String: String])
    throws(StateError) -> any StateBackend
  {
    // Until TandemPostgres has its backend: the URL is read as the backend will read it, and
    // the store is refused.
    _ = try PostgresStoreURL(url, environment: environment)
    throw StateError(.unavailable, "this tandem-postgres was built without the PostgreSQL backend")
  }
}
