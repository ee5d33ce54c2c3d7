import ArgumentParser
import TandemCLI
import TandemState

/// `notes add TEXT`: a new note, numbered one above the last, in one locked transaction.
struct Add: TandemCommand {
  static let configuration = CommandConfiguration(
    abstract: "Add a note; the notebook's revision rises by 1.",
    discussion: """
      With --if-revision N the note is added only if the notebook is still at revision N; \
      otherwise it exits 6 (CONCURRENT_MODIFICATION, reason revision_mismatch) and nothing \
      is written.
      """
  )

  @Argument(help: "The note's text (several words are joined by spaces).")
  var words: [String]

  @Option(name: .customLong("if-revision"), help: "Add only if the notebook is at this revision.")
  var ifRevision: UInt64?

  @Option(help: "The notebook to write: instance or shared (default: the caller's own).")
  var scope: NoteScope?

  /// What `add` reports.
  struct Added: CommandResult {
    var id: Int
    var note: String
    var scope: NoteScope
    var revision: UInt64
    var previousRevision: UInt64
    var waitedMs: Int64

    var text: String? { "added note \(id) (\(scope.rawValue), revision \(revision))" }
  }

  func execute(in context: CommandContext) throws -> Added {
    let text = words.joined(separator: " ")
    guard !text.isEmpty else { throw CommandFailure.usage("a note needs some text") }
    let notebook = try Notebook(scope, in: context)
    // Read, number and write under the notebook's lock: of many agents adding at once, each
    // reads the number the one before it wrote.
    let update = try notebook.store.update(
      timeout: context.options.lockTimeout, ifRevision: ifRevision, intent: context.intent()
    ) { document in
      Notebook.add(text, to: &document)
    }
    return Added(
      id: update.result, note: text, scope: notebook.scope, revision: update.document.revision,
      previousRevision: update.previousRevision, waitedMs: update.waitedMilliseconds)
  }
}
