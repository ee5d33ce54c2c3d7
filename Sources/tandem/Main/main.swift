import TandemCLI
import TandemCommands

// The home's files, and the PostgreSQL store by way of `tandem-postgres`: linking the
// database client here would slow every start of `tandem` (docs/benchmarks.md).
CommandLineTool.main(Tandem.self, stores: [Tandem.postgresExecutable])
