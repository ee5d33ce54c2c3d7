import TandemCLI
import TandemState

/// What `instances remove` answers, done or (with `--dry-run`) planned: the namespace, every
/// file and directory that goes with it, and the revisions kept for the id.
///
/// Built by hand: the entries are a list of objects whose size an agent reads, and the
/// revisions an object named by document.
struct InstanceRemovalReport {
  let removal: NamespaceRemoval
  let dryRun: Bool

  var output: CommandOutput {
    let namespace = AbsolutePath.of(removal.path)
    let entries: [JSONValue] = removal.entries.map { entry in
      .object([
        ("path", .string(entry.relativePath.isEmpty ? namespace : namespace + "/" + entry.relativePath)),
        ("type", .string(entry.kind.rawValue)),
      ])
    }
    let retired: JSONValue =
      removal.retiredRevisionsPath.map { path in
        .object([
          ("path", .string(AbsolutePath.of(path))),
          (
            "revisions",
            .object(removal.retiredRevisions.map { ($0.document, .integer(Int64(clamping: $0.revision))) })
          ),
        ])
      } ?? .null
    let effect: JSONValue = .object([
      ("instance_id", .string(removal.instanceID.rawValue)),
      ("namespace", .string(namespace)),
      ("entries", .array(entries)),
      ("retired_revisions", retired),
    ])
    let data: JSONValue = .object([
      ("id", .string(removal.instanceID.rawValue)),
      ("found", .bool(true)),
      ("removed", .bool(!dryRun)),
      ("write_scope", .string(ConfigScope.instance.rawValue)),
      ("path", .string(namespace)),
      ("dry_run", .bool(dryRun)),
      ("effect", effect),
    ])
    let what =
      "instance \(TextEscaping.escape(removal.instanceID.rawValue)) (\(TextEscaping.escape(namespace)): \(contents))"
    return CommandOutput(
      data: data, text: dryRun ? "would remove \(what); nothing was changed" : "removed \(what)")
  }

  /// The answer of `instances remove --ignore-not-found` for an instance that is not there:
  /// the same members, `found` and `removed` false, nothing in `effect`.
  static func absent(_ id: InstanceID, home: StateHome, dryRun: Bool) -> CommandOutput {
    let namespace = AbsolutePath.of(
      [home.path, StateHome.instancesDirectoryName, id.rawValue].joined(separator: "/"))
    let effect: JSONValue = .object([
      ("instance_id", .string(id.rawValue)),
      ("namespace", .string(namespace)),
      ("entries", .array([])),
      ("retired_revisions", .null),
    ])
    let data: JSONValue = .object([
      ("id", .string(id.rawValue)),
      ("found", .bool(false)),
      ("removed", .bool(false)),
      ("write_scope", .string(ConfigScope.instance.rawValue)),
      ("path", .string(namespace)),
      ("dry_run", .bool(dryRun)),
      ("effect", effect),
    ])
    return CommandOutput(
      data: data, text: "no instance \(TextEscaping.escape(id.rawValue)) to remove; nothing was changed")
  }

  /// "3 files, 1 directory, 1 symbolic link (the link only)": what is below the namespace
  /// directory.
  private var contents: String {
    let below = removal.entries.dropFirst()
    guard !below.isEmpty else { return "empty" }
    var parts: [String] = []
    for (kind, one, many) in [
      (NamespaceRemoval.Kind.file, "file", "files"), (.directory, "directory", "directories"),
      (.symbolicLink, "symbolic link (the link only)", "symbolic links (the links only)"),
      (.other, "other entry", "other entries"),
    ] {
      let count = below.filter { $0.kind == kind }.count
      if count > 0 { parts.append("\(count) \(count == 1 ? one : many)") }
    }
    return parts.joined(separator: ", ")
  }
}
