import ArgumentParser
import TandemCLI
import TandemState

/// `tandem config repair`
struct ConfigRepair: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "repair",
    abstract: "Move a corrupt document aside (config.json.corrupt-TIME) so writes can start again.",
    discussion: """
      A valid document is left alone. Nothing is deleted; the new document starts at revision 0. \
      With --dry-run nothing is locked or moved: the answer's effect names the file that would \
      be moved and where to.
      """
  )

  @Option(
    help: ArgumentHelp("Document to repair: instance or shared.", valueName: "scope"),
    completion: .list(ConfigScope.allCases.map(\.rawValue)))
  var scope: String?

  @Flag(name: .customLong("dry-run"), help: "Report what would be moved; change nothing.")
  var dryRun = false

  func execute(in context: CommandContext) throws -> ConfigRepairReport {
    let target = try ConfigTarget.forWriting(scope, in: context)
    let outcome =
      dryRun
      ? try target.store.previewRepair()
      : try target.store.repair(timeout: context.options.lockTimeout, intent: context.intent())
    if outcome.reason != nil { target.warnIfSharedByDefault(dryRun: dryRun, in: context) }
    let path = ConfigTarget.reported(outcome.path, isFile: target.isFile)
    let movedTo = outcome.movedTo.map { ConfigTarget.reported($0, isFile: target.isFile) }
    return ConfigRepairReport(
      scope: target.scope.rawValue, path: path, repaired: !dryRun && outcome.reason != nil,
      movedTo: dryRun ? nil : movedTo,
      reason: dryRun ? nil : outcome.reason, writeScope: target.scope.rawValue, dryRun: dryRun,
      effect: ConfigRepairReport.Effect(document: path, movedTo: movedTo, reason: outcome.reason))
  }
}

/// What `config repair` answers: whether the document was moved aside, and where to.
struct ConfigRepairReport: CommandResult {
  /// What the repair does or would do: the same with and without `--dry-run`.
  struct Effect: Encodable {
    /// The document repaired.
    let document: String
    /// Where the corrupt document goes; `null` when it is fine, or when there is no document
    /// to move (revisions that ran out in the lock file's record alone). In a dry run the
    /// name ends with the time of the dry run; a real repair names it by its own time.
    let movedTo: String?
    /// Why it is corrupt; `null` when it is fine.
    let reason: String?
  }

  /// The document repaired: `instance` or `shared`.
  let scope: String
  let path: String
  /// Whether the document was moved aside, or its used-up revisions started over (never in
  /// a dry run).
  let repaired: Bool
  /// Where the corrupt document went; `null` when it was fine, and in a dry run.
  let movedTo: String?
  /// Why it was corrupt; `null` when it was fine, and in a dry run.
  let reason: String?
  /// The document's namespace: `instance` or `shared`.
  let writeScope: String
  let dryRun: Bool
  let effect: Effect

  var text: String? {
    let path = TextEscaping.escape(path)
    guard effect.reason != nil else { return "\(path) is fine; nothing to do" }
    guard let target = effect.movedTo.map(TextEscaping.escape) else {
      // No document to move: only the lock file's record of used-up revisions was reset.
      return dryRun
        ? "would start the revisions of \(path) over (they ran out; no document to move); nothing was changed"
        : "started the revisions of \(path) over (they ran out; no document to move): the next write is revision 1"
    }
    return dryRun
      ? "would move the corrupt \(path) to \(target) (named by the time of the move); nothing was changed"
      : "moved the corrupt \(path) to \(target)"
  }
}
