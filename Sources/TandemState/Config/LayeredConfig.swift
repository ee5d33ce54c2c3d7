/// Which document a value lives in.
public enum ConfigScope: String, Sendable, CaseIterable {
  /// The instance's own document.
  case instance
  /// The shared document.
  case shared
}

/// An instance's view of configuration: its own value where it has one, else the shared one.
///
/// Without an instance id there is only the shared document. The documents are any
/// backend's (``StateBackend``): the home's files, or a store shared by several hosts.
public struct LayeredConfig: Sendable {
  /// The documents, nearest first: the instance's (when an instance id is set), then the
  /// shared one. (One array rather than an optional instance store: an optional existential
  /// would make the runtime build its type at every start; the array's type is the one
  /// ``layers(_:)`` needs anyway.)
  private let stores: [(ConfigScope, any RevisionedDocumentStore)]

  /// The shared document's store.
  public var shared: any RevisionedDocumentStore { stores[stores.count - 1].1 }
  /// The instance document's store, when an instance id is set.
  public var instance: (any RevisionedDocumentStore)? { stores.count > 1 ? stores[0].1 : nil }

  /// The layered view of `namespace` under `home`, in the home's files.
  public init(home: StateHome, namespace: Namespace) {
    let shared = ConfigStore(home: home, namespace: .shared)
    if let id = namespace.instanceID {
      stores = [(.instance, ConfigStore(home: home, namespace: .instance(id))), (.shared, shared)]
    } else {
      stores = [(.shared, shared)]
    }
  }

  /// The layered view of `namespace` in `backend`'s configuration documents.
  public init(backend: any StateBackend, namespace: Namespace) {
    if let id = namespace.instanceID {
      stores = [(.instance, backend.store(.instance(id))), (.shared, backend.store(.shared))]
    } else {
      stores = [(.shared, backend.store(.shared))]
    }
  }

  /// A value found in one of the layers.
  public struct Entry: Sendable, Equatable {
    /// The key.
    public let key: String
    /// The value that wins for this view.
    public let value: String
    /// The document it came from.
    public let scope: ConfigScope
    /// The revision of the document the value came from.
    public let revision: UInt64
    /// The provenance, compact: formatted only when asked for.
    let stamp: WriteStamp

    /// Who last wrote the value and when, as its document records it; `nil` when it does
    /// not say (see ``ConfigDocument/Entry/provenance``).
    public var provenance: ConfigProvenance? { stamp.provenance }

    /// ``provenance``, or `previous` itself when it says the same (the keys of one commit,
    /// listed one after the other), without formatting it again.
    public func provenance(reusing previous: ConfigProvenance?) -> ConfigProvenance? {
      if let previous, stamp.isRecorded, previous.writtenAtMilliseconds == stamp.milliseconds,
        previous.instanceID == stamp.instanceID
      {
        return previous
      }
      return stamp.provenance
    }

    init(_ entry: ConfigDocument.Entry, scope: ConfigScope, revision: UInt64) {
      key = entry.key
      value = entry.value
      self.scope = scope
      self.revision = revision
      stamp = entry.stamp
    }
  }

  /// Some of the visible keys, in key order: what a listing shows one page at a time.
  public struct Page: Sendable {
    /// The keys with the value that wins for each, sorted by key.
    public let entries: [Entry]
    /// Whether visible keys after the last of ``entries`` remain.
    public let hasMore: Bool
  }

  /// The documents to read for `scope` (nil: all layers), nearest first.
  public func layers(_ scope: ConfigScope?) -> [(ConfigScope, any RevisionedDocumentStore)] {
    guard let scope else { return stores }
    return stores.filter { $0.0 == scope }
  }

  /// Reads the layers of `scope` once each, nearest first.
  public func documents(_ scope: ConfigScope?) throws(StateError) -> [(
    ConfigScope, any RevisionedDocumentStore, ConfigDocument
  )] {
    var result: [(ConfigScope, any RevisionedDocumentStore, ConfigDocument)] = []
    for (layer, store) in layers(scope) { result.append((layer, store, try store.read())) }
    return result
  }

  /// The value of `key`, from the nearest layer that has it.
  public func lookup(_ key: String, scope: ConfigScope? = nil) throws(StateError) -> Entry? {
    // Every layer is read, as ``documents(_:)`` reads them, but in place: no list of them is
    // made for one key (the runtime would make its type at every start of `config get`).
    var found: Entry?
    for index in stores.indices where scope == nil || stores[index].0 == scope {
      let document = try stores[index].1.read()
      if found == nil, let entry = document.entry(key) {
        found = Entry(entry, scope: stores[index].0, revision: document.revision)
      }
    }
    return found
  }

  /// The values of `keys`, each from the nearest layer that has it (`nil` for a key no layer
  /// has), in the order given: every document is read once, so the values are one snapshot
  /// of each document.
  public func lookup(_ keys: [String], scope: ConfigScope? = nil) throws(StateError) -> [Entry?] {
    let documents = try documents(scope)
    return keys.map { key in
      for (layer, _, document) in documents {
        if let entry = document.entry(key) { return Entry(entry, scope: layer, revision: document.revision) }
      }
      return nil
    }
  }

  /// Every visible key with the value that wins, sorted by key.
  public func entries(scope: ConfigScope? = nil) throws(StateError) -> [Entry] {
    Self.winners(try documents(scope))
  }

  /// The value that wins for every key of `documents` (nearest first), sorted by key: one
  /// merge of the documents' sorted entries, linear in their size. (`Store` is whatever
  /// the caller keeps beside each document; only the scopes and documents are read.)
  public static func winners<Store>(_ documents: [(ConfigScope, Store, ConfigDocument)]) -> [Entry] {
    page(of: documents, after: nil, limit: nil).entries
  }

  /// The first `limit` keys (all with `nil`) of `documents` (nearest first) that sort after
  /// `key` (from the first with `nil`), with the value that wins for each.
  ///
  /// Listing page after page, each continuing after the last key of the one before, gives
  /// every key that exists throughout exactly once, in order, however other processes add
  /// and remove keys meanwhile: a page holds every key of its range of keys that its
  /// snapshot holds, and the ranges of successive pages follow each other without gap or
  /// overlap. The cost is a binary search per document plus the page's size: a later page
  /// of a large document costs no more than the first.
  public static func page<Store>(
    of documents: [(ConfigScope, Store, ConfigDocument)], after key: String?, limit: Int?
  ) -> Page {
    var merged: [Entry] = []
    for (layer, _, document) in documents {
      let start = key.map { document.position(after: $0) } ?? 0
      // The first limit + 1 keys of the union are among the first limit + 1 of each
      // document; one more than the page tells whether more remain.
      let available = document.entries.count - start
      let end =
        limit.map { $0 < available ? start + $0 + 1 : document.entries.count } ?? document.entries.count
      let farther = document.entries[start..<end].map { Entry($0, scope: layer, revision: document.revision) }
      merged = merged.isEmpty ? farther : merge(nearer: merged, farther: farther)
    }
    guard let limit, merged.count > limit else { return Page(entries: merged, hasMore: false) }
    merged.removeSubrange(limit...)
    return Page(entries: merged, hasMore: true)
  }

  /// Two sorted lists of entries as one, the nearer entry winning for a key in both.
  private static func merge(nearer: [Entry], farther: [Entry]) -> [Entry] {
    var result: [Entry] = []
    result.reserveCapacity(nearer.count + farther.count)
    var near = 0
    var far = 0
    while near < nearer.count && far < farther.count {
      if nearer[near].key == farther[far].key {
        result.append(nearer[near])
        near += 1
        far += 1
      } else if nearer[near].key < farther[far].key {
        result.append(nearer[near])
        near += 1
      } else {
        result.append(farther[far])
        far += 1
      }
    }
    result.append(contentsOf: nearer[near...])
    result.append(contentsOf: farther[far...])
    return result
  }
}
