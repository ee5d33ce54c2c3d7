internal import SystemPlatform

/// The last revisions of removed instance namespaces, so that a namespace created again
/// under the same id continues above them.
///
/// A revision must never name two different documents: an agent holding `--if-revision 4`
/// from before an `instances remove` must not apply its change to a new document that
/// happens to have reached revision 4 too. Inside a namespace the lock file's record keeps
/// the highest revision (it outlives a repaired or deleted document); removing the
/// namespace removes its lock files, so the removal writes their revisions to
/// `instances/.retired/ID.json` first: `{"config.json": 12, "auth.json": 3}`.
enum RetiredRevisions {
  static let directoryName = ".retired"

  /// Records the highest revision of each document of the namespace in `directory`, and
  /// returns the record as written (empty when there was nothing to record).
  @discardableResult
  static func retire(_ id: InstanceID, from directory: DirectoryHandle, home: StateHome) throws(StateError)
    -> [String: UInt64]
  {
    let revisions = try merged(id, from: directory, home: home)
    guard !revisions.isEmpty,
      let retired = try home.openDirectory([StateHome.instancesDirectoryName, directoryName], create: true)
    else { return revisions }
    let members = revisions.keys.sorted().map { ($0, JSONValue.integer(Int64(clamping: revisions[$0]!))) }
    try AtomicFile.write(
      Array((JSONWriter.compact(.object(members)) + "\n").utf8), as: id.rawValue + ".json", in: retired)
    return revisions
  }

  /// What ``retire(_:from:home:)`` would record, read without changing anything: the
  /// revisions already recorded for `id`, raised by those of the documents in `directory`.
  static func merged(_ id: InstanceID, from directory: DirectoryHandle, home: StateHome) throws(StateError)
    -> [String: UInt64]
  {
    var revisions = read(id, home: home)
    for name in try directory.entries() where name.hasSuffix(".lock") {
      let document = String(name.dropLast(5))
      var highest = revisions[document] ?? 0
      // A lock file that cannot be read counts as revision 0; the document's own revision
      // (read below) still counts.
      if let fd = try? SystemCall.open(
        name, in: directory.fd, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
      {
        highest = max(highest, LockRecord.read(from: fd)?.revision ?? 0)
        SystemCall.release(fd)
      }
      if let bytes = try? directory.readFile(document, limit: StateLimits.maximumDocumentBytes),
        let json = try? JSONParser.parse(bytes), let revision = json["revision"]?.integerValue, revision > 0
      {
        highest = max(highest, UInt64(revision))
      }
      if highest > 0 { revisions[document] = highest }
    }
    return revisions
  }

  /// Where the revisions of `id` are recorded, for messages.
  static func path(of id: InstanceID, home: StateHome) -> String {
    home.displayPath([StateHome.instancesDirectoryName, directoryName, id.rawValue + ".json"])
  }

  /// The revisions recorded for `id`'s documents, by file name; empty if none.
  ///
  /// A document removed at the last revision there is (9223372036854775807) has nothing to
  /// continue above: it is left out, so that the namespace created again starts over at 1,
  /// as a repaired document whose revisions ran out does. Kept, it would refuse every write
  /// to the new namespace, with no document there for a repair to move aside.
  static func read(_ id: InstanceID, home: StateHome) -> [String: UInt64] {
    guard
      let retired = try? home.openDirectory(
        [StateHome.instancesDirectoryName, directoryName], create: false),
      let bytes = try? retired.readFile(id.rawValue + ".json", limit: 65_536),
      case .object(let members)? = try? JSONParser.parse(bytes)
    else { return [:] }
    var result: [String: UInt64] = [:]
    for (name, value) in members {
      if let revision = value.integerValue, revision > 0, revision < Int64.max {
        result[name] = UInt64(revision)
      }
    }
    return result
  }
}
