import TandemCLI
import TandemState

extension InstancesList: ContractedCommand {
  static let contract = CommandContract(
    .safe, failures: FailureSets.read,
    examples: [CommandExample("Every instance with its last write, as JSON", "--output json instances list")])
}

extension InstancesRemove: ContractedCommand {
  static let contract = CommandContract(
    .destructive, failures: FailureSets.write + [.notFound],
    examples: [
      CommandExample("Remove an instance's namespace", "instances remove agent-1"),
      CommandExample("Show what would be removed, changing nothing", "instances remove --dry-run agent-1"),
      CommandExample(
        "Remove it if it is there, succeed if it is not (a clean-up that can run twice)",
        "instances remove --ignore-not-found agent-1"),
    ])
}
