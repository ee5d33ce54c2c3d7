import TandemCLI
import TandemState

/// What `instances list` answers: each instance namespace, what it holds, and when either of
/// its documents was last written.
struct InstanceListing: CommandResult {
  /// One instance namespace.
  struct Instance: Encodable {
    let id: String
    let path: String
    /// When its config or its active account was last written, whichever came later; `null`
    /// when it holds neither.
    let lastWrite: String?
    /// What it holds: `config` (its config document), `account` (its own active account,
    /// `auth.json`); empty when neither.
    let holds: [String]

    init(_ summary: InstanceRegistry.Summary) {
      id = summary.id
      path = summary.path
      lastWrite = summary.lastWriteMilliseconds.map { SystemClock.iso8601(wallMilliseconds: $0) }
      holds =
        (summary.configWriteMilliseconds == nil ? [] : ["config"])
        + (summary.accountWriteMilliseconds == nil ? [] : ["account"])
    }
  }

  let instances: [Instance]
  /// Whether the text goes to a terminal: a table under a header.
  var terminal = false

  /// Only the instances are data.
  private enum CodingKeys: CodingKey { case instances }

  // At a terminal, a table; in a pipe, tab-separated fields in the order scripts already
  // read (id, last write, path), what it holds last. Ids and paths are escaped, by the table
  // or here, so that neither adds a field or a line.
  var text: String? {
    if terminal {
      return TextTable(
        header: ["ID", "LAST WRITE", "HOLDS", "PATH"],
        rows: instances.map { [$0.id, $0.lastWrite ?? "never written", held($0), $0.path] }
      ).rendered(forTerminal: true)
    }
    return instances.map {
      "\(TextEscaping.escape($0.id))\t\($0.lastWrite ?? "never written")\t\(TextEscaping.escape($0.path))\t\(held($0))"
    }.joined(separator: "\n")
  }

  /// `config, account`, or `-` for an instance that holds neither.
  private func held(_ instance: Instance) -> String {
    instance.holds.isEmpty ? "-" : instance.holds.joined(separator: ", ")
  }
}
