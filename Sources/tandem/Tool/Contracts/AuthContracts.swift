import TandemCLI
import TandemState

extension AuthLogin: ContractedCommand {
  static let contract = CommandContract(
    .mutating, failures: FailureSets.write + [.inputMissing, .inputTimeout, .setupRequired],
    examples: [
      CommandExample(
        "Store an OAuth account; its refresh token comes on standard input",
        "auth login --account ci --token-url https://auth.example.com/token --client-id tandem < refresh-token"
      ),
      CommandExample(
        "Store an account whose tokens come from a credential helper",
        "auth login --account ci --refresh-command ./get-token.sh"),
    ])
}

extension AuthToken: ContractedCommand {
  static let contract = CommandContract(
    .mutating, failures: FailureSets.token,
    examples: [
      CommandExample("A valid access token, refreshed once across all processes if needed", "auth token"),
      CommandExample("With its expiry and generation, as JSON", "--output json auth token --account ci"),
    ])
}

extension AuthRefresh: ContractedCommand {
  static let contract = CommandContract(
    .mutating, failures: FailureSets.token,
    examples: [
      CommandExample(
        "After a 401 with the token of generation 3: refresh unless another process already did",
        "auth refresh --if-generation 3")
    ])
}

extension AuthSwitch: ContractedCommand {
  static let contract = CommandContract(
    .mutating, failures: FailureSets.write + [.credentialsMissing],
    examples: [CommandExample("Make ci the active account", "auth switch --account ci")])
}

extension AuthStatus: ContractedCommand {
  static let contract = CommandContract(
    .safe, failures: FailureSets.read + [.credentialsMissing],
    examples: [CommandExample("The active account and its token's state", "--output json auth status")])
}

extension AuthList: ContractedCommand {
  static let contract = CommandContract(
    .safe, failures: FailureSets.read,
    examples: [CommandExample("Stored accounts, no secrets", "auth list")])
}

extension AuthLogout: ContractedCommand {
  static let contract = CommandContract(
    .destructive, failures: FailureSets.write + [.credentialsMissing],
    examples: [
      CommandExample("Remove the account ci's stored tokens", "auth logout --account ci"),
      CommandExample("Show what would be removed, changing nothing", "auth logout --account ci --dry-run"),
    ])
}
