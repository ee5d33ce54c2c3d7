import TandemCLI
import TandemCommands

// `tandem` with the PostgreSQL store linked in. `tandem` hands it every command line whose
// store URL is postgresql:// (or postgres://); run directly, it is the same tool.
CommandLineTool.main(Tandem.self, stores: [PostgresStore()])
