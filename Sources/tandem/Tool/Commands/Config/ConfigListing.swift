import TandemCLI
import TandemState

/// What `config list` answers: the visible keys of the page with the value that wins and who
/// wrote it, and the revision of each document read.
struct ConfigListing: CommandResult {
  /// Each document's revision, as an object named by scope (`{"instance": 3, "shared": 7}`),
  /// nearest document first.
  struct Revisions: Encodable {
    let documents: [(scope: String, revision: UInt64)]

    init(_ documents: [(scope: String, revision: UInt64)]) { self.documents = documents }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: ScopeKey.self)
      for document in documents { try container.encode(document.revision, forKey: ScopeKey(document.scope)) }
    }
  }

  /// A document's scope as a member name.
  struct ScopeKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ scope: String) { stringValue = scope }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { nil }
  }

  /// The keys of the page, sorted.
  let entries: [LayeredConfig.Entry]
  let revisions: Revisions
  /// Whether the text goes to a terminal: a table under a header.
  var terminal = false
  /// Whether text in a pipe starts each line with the key's scope.
  var showScope = false

  /// Encodes the entries as `config list` shows them: key, value, the scope it comes from,
  /// and its provenance.
  func encode(to encoder: any Encoder) throws { try encodedData().encode(to: encoder) }

  /// Built by hand: `config list` is the re-read after every conflict, and encoding these
  /// types cost it 480,000 instructions at start-up (docs/benchmarks.md).
  func encodedData() throws -> JSONValue {
    var provenance: ConfigProvenance?
    let listed: [JSONValue] = entries.map { entry in
      provenance = entry.provenance(reusing: provenance)
      return .object([
        ("key", .string(entry.key)), ("value", .string(entry.value)),
        ("scope", .string(entry.scope.rawValue)),
        ("written_by", .optional(provenance?.instanceID)), ("written_at", .optional(provenance?.writtenAt)),
      ])
    }
    let revisions: [(String, JSONValue)] = revisions.documents.map {
      ($0.scope, .integer(Int64(clamping: $0.revision)))
    }
    return .object([("entries", .array(listed)), ("revisions", .object(revisions))])
  }

  /// At a terminal, a table with each key's scope; otherwise one `key=value` line per key
  /// (after `SCOPE<TAB>` with `--show-scope`), whatever the value holds: newlines and escape
  /// bytes are escaped.
  var text: String? {
    if terminal {
      return TextTable(
        header: ["KEY", "VALUE", "SCOPE"], rows: entries.map { [$0.key, $0.value, $0.scope.rawValue] }
      ).rendered(forTerminal: true)
    }
    let prefix = { (entry: LayeredConfig.Entry) in showScope ? entry.scope.rawValue + "\t" : "" }
    return entries.map { "\(prefix($0))\(TextEscaping.escape($0.key))=\(TextEscaping.escape($0.value))" }
      .joined(with: "\n")
  }
}
