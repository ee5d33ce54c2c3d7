/// The revision of each notebook a command read: what a caller passes back with
/// `--if-revision` to change a notebook only if nobody changed it since.
struct Revisions: Encodable, Sendable {
  /// The instance's notebook, or null when it was not read.
  var instance: UInt64?
  /// The shared notebook, or null when it was not read.
  var shared: UInt64?

  /// Notes that the notebook of `scope` was at `revision`.
  mutating func record(_ scope: NoteScope, _ revision: UInt64) {
    switch scope {
    case .instance: instance = revision
    case .shared: shared = revision
    }
  }
}
