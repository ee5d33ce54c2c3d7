import TandemCLI
import TandemState

/// `--scope` takes a string that the config commands check themselves (`ConfigTarget`).
private let scopeValues = ["scope": ["instance", "shared"]]

extension ConfigSet: ContractedCommand {
  static let contract = CommandContract(
    .mutating, failures: FailureSets.write,
    examples: [
      CommandExample("Set two keys in one locked transaction", "config set theme=dark region=eu"),
      CommandExample(
        "Write only if the document is still at revision 7 (else exit 6, nothing written)",
        "config set --if-revision 7 theme=dark"),
      CommandExample("Write this agent's own namespace", "--instance-id agent-1 config set theme=dark"),
      CommandExample(
        "Write the shared document on purpose while an instance id is set",
        "--instance-id agent-1 config set --scope shared region=eu"),
    ], allowedValues: scopeValues)
}

extension ConfigGet: ContractedCommand {
  static let contract = CommandContract(
    .safe, failures: FailureSets.read + [.notFound],
    examples: [
      CommandExample("Print a value (the instance's, else the shared one)", "config get theme"),
      CommandExample("The value with its scope and revision, as JSON", "--output json config get theme"),
      CommandExample("Several keys from one snapshot, one line each", "config get theme region"),
      CommandExample("A fallback for a key that is not set (exit 0)", "config get --default light theme"),
      CommandExample(
        "The scope and revision before the value, for a later --if-revision", "config get --show-scope theme"),
    ], allowedValues: scopeValues)
}

extension ConfigUnset: ContractedCommand {
  static let contract = CommandContract(
    .destructive, failures: FailureSets.write + [.notFound],
    examples: [
      CommandExample("Remove two keys in one transaction", "config unset theme region"),
      CommandExample("Show what would be removed, changing nothing", "config unset --dry-run theme"),
    ], allowedValues: scopeValues)
}

extension ConfigList: ContractedCommand {
  static let contract = CommandContract(
    .safe, failures: FailureSets.read,
    examples: [
      CommandExample("Every visible key with its scope", "config list"),
      CommandExample(
        "The shared document's values and revision, as JSON", "--output json config list --scope shared"),
    ], allowedValues: scopeValues)
}

extension ConfigRepair: ContractedCommand {
  static let contract = CommandContract(
    .destructive, failures: FailureSets.write + [.notFound],
    examples: [
      CommandExample("Move a corrupt shared document aside", "config repair --scope shared"),
      CommandExample("Show what would be moved, changing nothing", "config repair --scope shared --dry-run"),
    ], allowedValues: scopeValues)
}
