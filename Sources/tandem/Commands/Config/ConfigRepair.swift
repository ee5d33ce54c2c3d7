import ArgumentParser
import TandemCLI
import TandemState

/// `tandem config repair`
struct ConfigRepair: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "repair",
    abstract: "Move a corrupt document aside (config.json.corrupt-TIME) so writes can start again.",
    discussion: "A valid document is left alone. Nothing is deleted; the new document starts at revision 0."
  )


  @Option(help: ArgumentHelp("Document to repair: instance or shared.", valueName: "scope"))
  var scope: String?

  func execute(in context: CommandContext) throws -> CommandOutput {
    let target = try ConfigTarget.forWriting(scope, in: context)
    let outcome = try target.store.repair(timeout: context.options.lockTimeout, intent: context.intent())
    let data: JSONValue = .object([
      ("scope", .string(target.scope.rawValue)),
      ("path", .string(outcome.path)),
      ("repaired", .bool(outcome.movedTo != nil)),
      ("moved_to", .optional(outcome.movedTo)),
      ("reason", .optional(outcome.reason)),
    ])
    let path = TextEscaping.escape(outcome.path)
    let text =
      outcome.movedTo.map { "moved the corrupt \(path) to \(TextEscaping.escape($0))" }
      ?? "\(path) is fine; nothing to do"
    return CommandOutput(data: data, text: text)
  }
}
