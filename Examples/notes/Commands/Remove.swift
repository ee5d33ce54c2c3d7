import ArgumentParser
import TandemCLI
import TandemState

/// `notes remove ID`: removes one note in a locked transaction.
struct Remove: TandemCommand {
  static let configuration = CommandConfiguration(
    abstract: "Remove a note; the notebook's revision rises by 1.",
    discussion: "A note that does not exist exits 5 (NOT_FOUND) and nothing is written."
  )

  @Argument(help: "The note's number.")
  var id: Int

  @Option(name: .customLong("if-revision"), help: "Remove only if the notebook is at this revision.")
  var ifRevision: UInt64?

  @Option(help: "The notebook to write: instance or shared (default: the caller's own).")
  var scope: NoteScope?

  /// What `remove` reports.
  struct Removed: CommandResult {
    var id: Int
    var scope: NoteScope
    var revision: UInt64

    var text: String? { "removed note \(id) (\(scope.rawValue), revision \(revision))" }
  }

  func execute(in context: CommandContext) throws -> Removed {
    let notebook = try Notebook(scope, in: context)
    let update = try notebook.store.update(
      timeout: context.options.lockTimeout, ifRevision: ifRevision, intent: context.intent(String(id))
    ) { document in
      guard document[Notebook.key(id)] != nil else {
        // Thrown inside the transaction: it is abandoned, nothing is written.
        throw StateError(.notFound, "there is no note \(id) in the \(notebook.scope.rawValue) notebook")
      }
      document[Notebook.key(id)] = nil
    }
    return Removed(id: id, scope: notebook.scope, revision: update.document.revision)
  }
}
