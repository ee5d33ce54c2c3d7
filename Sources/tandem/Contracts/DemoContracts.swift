import TandemCLI
import TandemState

extension DemoCommand: ContractedCommand {
  // The demo works in a temporary home of its own, never in the caller's.
  static let contract = CommandContract(
    .safe, failures: [.ioError],
    examples: [CommandExample("See concurrent agents lose updates, then not with tandem", "demo")])
}
