import Foundation
import MCP
import TandemMCP

// `tandem-mcp`: the MCP server over standard input and output (README, "MCP server").
let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--help") || arguments.contains("-h") {
  print(
    """
    USAGE: tandem-mcp

    An MCP server over standard input and output whose tools run tandem: config_get,
    config_set, config_list, config_unset, lock_status, auth_token. Start it from an MCP
    client. Each call runs the tandem binary found in TANDEM_BIN, beside tandem-mcp, or in
    PATH, with this process's environment (TANDEM_HOME, TANDEM_INSTANCE_ID,
    TANDEM_LOCK_TIMEOUT).
    """)
  exit(0)
}
if let unexpected = arguments.first {
  FileHandle.standardError.write(
    Data("tandem-mcp: unexpected argument \(unexpected); it takes none (see --help)\n".utf8))
  exit(2)
}

let server: TandemMCPServer
do {
  server = try TandemMCPServer.load(
    environment: ProcessInfo.processInfo.environment, serverExecutable: Bundle.main.executablePath)
} catch {
  FileHandle.standardError.write(Data("tandem-mcp: cannot start: \(error)\n".utf8))
  exit(1)
}
do {
  try await server.serve(StdioTransport())
} catch {
  FileHandle.standardError.write(Data("tandem-mcp: \(error)\n".utf8))
  exit(1)
}
