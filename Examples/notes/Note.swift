/// One note: its number in its notebook, its text, and which notebook it is in.
struct Note: Encodable, Sendable {
  /// The note's number; numbers are never reused within a notebook.
  var id: Int
  /// The text, as given.
  var text: String
  /// The notebook it is in.
  var scope: NoteScope
}
