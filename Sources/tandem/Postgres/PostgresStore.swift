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
    try PostgresBackend(url: url, tool: tool, environment: environment)
  }
}
