/// What removing an instance namespace removes and records: the answer of
/// ``InstanceRegistry/remove(_:timeout:intent:)`` (what was done) and of
/// ``InstanceRegistry/plannedRemoval(_:)`` (what would be done), in the same shape, so that
/// the two can be compared.
public struct NamespaceRemoval: Sendable, Equatable {
  /// What an entry is, as read without following a link.
  public enum Kind: String, Sendable {
    /// A regular file: a document, a lock file, a tool's configuration.
    case file
    /// A directory, removed with everything in it.
    case directory
    /// A symbolic link, removed itself; what it points to is never touched.
    case symbolicLink = "symbolic_link"
    /// A socket, a pipe or a device.
    case other
  }

  /// One file or directory of the namespace.
  public struct Entry: Sendable, Equatable {
    /// The path from the namespace directory, `/`-separated (`tools/gh/hosts.yml`); empty
    /// for the namespace directory itself.
    public let relativePath: String
    /// What it is.
    public let kind: Kind
  }

  /// The highest revision of one of the namespace's documents, kept after it is removed.
  public struct RetiredRevision: Sendable, Equatable {
    /// The document's file name, e.g. `config.json`.
    public let document: String
    /// The revision a document created again under this id continues above.
    public let revision: UInt64
  }

  /// The instance.
  public let instanceID: InstanceID
  /// The namespace directory, for messages (below the home as it was given).
  public let path: String
  /// Everything removed, depth first, a directory before its contents and names in sorted
  /// order; the first entry is the namespace directory itself. Empty when the namespace was
  /// already gone.
  public let entries: [Entry]
  /// Where the revisions of its documents are recorded (`instances/.retired/ID.json`), or
  /// `nil` when there is nothing to record.
  public let retiredRevisionsPath: String?
  /// The revisions recorded there, by document name, sorted; the record keeps what earlier
  /// removals of the same id recorded.
  public let retiredRevisions: [RetiredRevision]

  /// The path of `entry`, for messages.
  public func path(of entry: Entry) -> String {
    entry.relativePath.isEmpty ? path : path + "/" + entry.relativePath
  }

  init(
    instanceID: InstanceID, path: String, entries: [TreeEntry], retired: [String: UInt64],
    retiredPath: String
  ) {
    self.instanceID = instanceID
    self.path = path
    self.entries = entries.map { entry in
      let kind: Kind
      switch entry.kind {
      case .file: kind = .file
      case .directory: kind = .directory
      case .symbolicLink: kind = .symbolicLink
      case .other: kind = .other
      }
      return Entry(relativePath: entry.relativePath, kind: kind)
    }
    self.retiredRevisionsPath = retired.isEmpty ? nil : retiredPath
    self.retiredRevisions = retired.keys.sorted().map {
      RetiredRevision(document: $0, revision: retired[$0]!)
    }
  }
}
