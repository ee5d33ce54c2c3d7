import TandemCLI
import TandemState

extension RunCommand: ContractedCommand {
  static let contract = CommandContract(
    .mutating, failures: FailureSets.write + [.notFound],
    examples: [
      CommandExample("Run git serialized on its lock", "run -- git commit -m 'message'"),
      CommandExample(
        "Run gh with this agent's own config directory", "--instance-id agent-1 run --isolate -- gh pr list"),
      CommandExample("List the tool profiles", "run --profiles"),
    ])
}

extension EnvCommand: ContractedCommand {
  static let contract = CommandContract(
    .safe, failures: FailureSets.read + [.notFound],
    examples: [
      CommandExample("Export lines for gh's isolated config", "--instance-id agent-1 env --isolate --tool gh")
    ])
}
