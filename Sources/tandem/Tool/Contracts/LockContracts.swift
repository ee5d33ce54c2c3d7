import TandemCLI
import TandemState

extension LockRun: ContractedCommand {
  static let contract = CommandContract(
    .mutating, failures: FailureSets.read + [.concurrentModification, .notFound],
    examples: [
      CommandExample("Serialize git push across agents on this home", "lock run -- git push"),
      CommandExample("A named lock shared by every instance", "lock run --name deploy -- ./deploy.sh"),
    ])
}

extension LockStatusCommand: ContractedCommand {
  static let contract = CommandContract(
    .safe, failures: FailureSets.read,
    examples: [
      CommandExample("Who holds the named lock, and for how long", "--output json lock status --name deploy")
    ])
}
