import TandemCLI
import TandemState

/// The notes of one namespace, kept by TandemState's `ConfigStore` as the document
/// `notes.json` of that namespace: note N under the key `note.N`, and the last number given
/// under `last-id`.
///
/// The store gives what agents adding notes at once need: a change is a read-modify-write
/// under the notebook's lock (so the next number is read by one writer at a time), lands by
/// atomic rename, and raises the revision by 1; reads take no lock and see a whole document.
struct Notebook: Sendable {
  /// The document's file name in its namespace's directory.
  static let fileName = "notes.json"
  /// The key holding the last number given, so that a removed note's number is not reused.
  static let lastIDKey = "last-id"

  /// The document's store.
  let store: ConfigStore

  /// The notebook of `namespace` under `home`.
  init(home: StateHome, namespace: Namespace) {
    store = ConfigStore(home: home, namespace: namespace, fileName: Self.fileName)
  }

  /// The notebook a command acts on: `--scope`, else the caller's own namespace.
  init(_ scope: NoteScope?, in context: CommandContext) throws {
    self.init(home: context.options.home, namespace: try NoteScope.namespace(scope, in: context))
  }

  /// Which notebook this is.
  var scope: NoteScope { NoteScope(store.namespace) }

  /// The notebooks a caller sees, nearest first: its instance's (when it has an instance id)
  /// and the shared one; only the one of `scope` when a scope is given.
  static func visible(_ scope: NoteScope?, in context: CommandContext) throws -> [Notebook] {
    if let scope { return [try Notebook(scope, in: context)] }
    let shared = Notebook(home: context.options.home, namespace: .shared)
    guard let id = context.options.instanceID else { return [shared] }
    return [Notebook(home: context.options.home, namespace: .instance(id)), shared]
  }

  /// The key of note `id`.
  static func key(_ id: Int) -> String { "note.\(id)" }

  /// The notes of `document`, by number.
  func notes(in document: ConfigDocument) -> [Note] {
    var notes: [Note] = []
    for entry in document.entries {
      guard entry.key.hasPrefix("note."), let id = Int(entry.key.dropFirst("note.".count)) else { continue }
      notes.append(Note(id: id, text: entry.value, scope: scope))
    }
    // Keys sort as text (`note.10` before `note.2`); people count.
    return notes.sorted { $0.id < $1.id }
  }

  /// Adds a note to `document` and returns its number: one above the last number given
  /// (or above the highest note, should `last-id` have been lost).
  static func add(_ text: String, to document: inout ConfigDocument) -> Int {
    var last = Int(document[lastIDKey] ?? "") ?? 0
    for entry in document.entries where entry.key.hasPrefix("note.") {
      last = max(last, Int(entry.key.dropFirst("note.".count)) ?? 0)
    }
    let id = last + 1
    document[key(id)] = text
    document[lastIDKey] = String(id)
    return id
  }
}
