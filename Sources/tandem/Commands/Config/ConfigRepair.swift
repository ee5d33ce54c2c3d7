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

  func execute(in context: CommandContext) throws -> ConfigRepairReport {
    let target = try ConfigTarget.forWriting(scope, in: context)
    let outcome = try target.store.repair(timeout: context.options.lockTimeout, intent: context.intent())
    return ConfigRepairReport(
      scope: target.scope.rawValue, path: outcome.path, repaired: outcome.movedTo != nil,
      movedTo: outcome.movedTo, reason: outcome.reason)
  }
}

/// What `config repair` answers: whether the document was moved aside, and where to.
struct ConfigRepairReport: CommandResult {
  /// The document repaired: `instance` or `shared`.
  let scope: String
  let path: String
  let repaired: Bool
  /// Where the corrupt document went; `null` when it was fine.
  let movedTo: String?
  /// Why it was corrupt; `null` when it was fine.
  let reason: String?

  var text: String? {
    let path = TextEscaping.escape(path)
    return movedTo.map { "moved the corrupt \(path) to \(TextEscaping.escape($0))" }
      ?? "\(path) is fine; nothing to do"
  }
}
