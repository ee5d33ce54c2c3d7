import TandemCLI
import TandemState

/// What `notes export` writes: a Markdown document with a section for each notebook, its
/// notes numbered as in `notes list`.
struct MarkdownExport {
  /// The lines so far.
  private var lines = ["# Notes", ""]
  /// How many notes it holds.
  private(set) var count = 0
  /// The revisions of the notebooks in it.
  private(set) var revisions = Revisions()

  /// Adds the section of `notebook`, whose document is `document`.
  mutating func append(_ notebook: Notebook, _ document: ConfigDocument) {
    let notes = notebook.notes(in: document)
    count += notes.count
    revisions.record(notebook.scope, document.revision)
    lines.append("## \(notebook.scope.rawValue) (revision \(document.revision))")
    lines.append("")
    // Escaped as in text mode: a note with a line break stays one item.
    for note in notes { lines.append("\(note.id). \(TextEscaping.escape(note.text))") }
    lines.append("")
  }

  /// The document.
  var text: String { lines.joined(separator: "\n") }
}
