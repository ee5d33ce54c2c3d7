import TandemCLI
import TandemState

// What each command promises an agent: `notes manifest` and each command's `--help` are
// generated from these, with the options and exit codes swift-argument-parser and the error
// catalog already know.

extension Add: ContractedCommand {
  static let contract = CommandContract(
    .mutating, failures: [.concurrentModification, .stateCorrupt, .limitExceeded],
    examples: [
      CommandExample("Add a note to your own notebook", "--instance-id agent-1 add buy milk"),
      CommandExample("Add only if nobody wrote since revision 3", "add --if-revision 3 ship it"),
    ])
}

extension Remove: ContractedCommand {
  static let contract = CommandContract(
    .destructive, failures: [.concurrentModification, .stateCorrupt, .notFound],
    examples: [CommandExample("Remove note 2", "remove 2")])
}

extension List: ContractedCommand {
  static let contract = CommandContract(
    .safe, failures: [.stateCorrupt], examples: [CommandExample("Every note, as JSON", "--format json list")])
}

extension Export: ContractedCommand {
  static let contract = CommandContract(
    .mutating, failures: [.concurrentModification, .stateCorrupt, .permissionDenied],
    examples: [CommandExample("Write the notes to a file", "export --output notes.md")])
}

extension Repair: ContractedCommand {
  static let contract = CommandContract(
    .destructive, failures: [.concurrentModification, .notFound],
    examples: [CommandExample("Move a corrupt shared notebook aside", "repair --scope shared")])
}
