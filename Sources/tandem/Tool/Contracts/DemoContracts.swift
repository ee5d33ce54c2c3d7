import TandemCLI
import TandemState

extension DemoCommand: ContractedCommand {
  // The demo works in a temporary directory of its own, never in the caller's home.
  static let contract = CommandContract(
    .safe, failures: [.ioError, DemoCommand.guaranteeBroken],
    examples: [
      CommandExample("See concurrent agents lose work without tandem, then not with it", "demo"),
      CommandExample(
        "The same, as data: one row per scenario, without and with tandem", "--output json demo"),
      CommandExample("Keep the temporary directory to look inside", "demo --keep"),
    ])
}
