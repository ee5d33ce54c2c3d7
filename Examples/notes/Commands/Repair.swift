import ArgumentParser
import TandemCLI
import TandemState

/// `notes repair`: moves a corrupt notebook aside, so that it starts again; the fix that
/// `notes` gives for `STATE_CORRUPT` (see ``Notes/advice(for:in:)``).
struct Repair: TandemCommand {
  static let configuration = CommandConfiguration(
    abstract: "Move a corrupt notebook aside (nothing is deleted).",
    discussion: "A valid notebook is left alone."
  )

  @Option(help: "The notebook to repair: instance or shared (default: the caller's own).")
  var scope: NoteScope?

  /// What `repair` reports.
  struct Repaired: CommandResult {
    var path: String
    /// Where the corrupt file went, or null when there was nothing to repair.
    var movedTo: String?
    var reason: String?

    var text: String? {
      guard let movedTo else { return "\(TextEscaping.escape(path)) is fine; nothing to repair" }
      return "moved \(TextEscaping.escape(path)) aside to \(TextEscaping.escape(movedTo))"
    }
  }

  func execute(in context: CommandContext) throws -> Repaired {
    let notebook = try Notebook(scope, in: context)
    let outcome = try notebook.store.repair(timeout: context.options.lockTimeout, intent: context.intent())
    return Repaired(path: outcome.path, movedTo: outcome.movedTo, reason: outcome.reason)
  }
}
