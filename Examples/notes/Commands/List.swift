import ArgumentParser
import TandemCLI
import TandemState

/// `notes list`: the notes the caller sees, read without a lock.
struct List: TandemCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the notes: the instance's own, then the shared ones.",
    discussion: "JSON gives each notebook's revision, for a later --if-revision."
  )

  @Option(help: "Only this notebook: instance or shared.")
  var scope: NoteScope?

  /// What `list` reports.
  struct Listing: CommandResult {
    /// The notes, the instance's first.
    var notes: [Note]
    /// The revision of each notebook read; `instance` is null without an instance.
    var revisions: Revisions

    var text: String? {
      guard !notes.isEmpty else { return "no notes" }
      let showScope = revisions.instance != nil && revisions.shared != nil
      return notes.map { note in
        (showScope ? "\(note.scope.rawValue) " : "") + "\(note.id)\t" + TextEscaping.escape(note.text)
      }.joined(separator: "\n")
    }
  }

  func execute(in context: CommandContext) throws -> Listing {
    var listing = Listing(notes: [], revisions: Revisions())
    for notebook in try Notebook.visible(scope, in: context) {
      let document = try notebook.store.read()
      listing.notes += notebook.notes(in: document)
      listing.revisions.record(notebook.scope, document.revision)
    }
    return listing
  }
}
