/// Which document a value lives in.
public enum ConfigScope: String, Sendable, CaseIterable {
  /// The instance's own document.
  case instance
  /// The shared document.
  case shared
}

/// An instance's view of configuration: its own value where it has one, else the shared one.
///
/// Without an instance id there is only the shared document.
public struct LayeredConfig: Sendable {
  /// The shared document's store.
  public let shared: ConfigStore
  /// The instance document's store, when an instance id is set.
  public let instance: ConfigStore?

  /// The layered view of `namespace` under `home`.
  public init(home: StateHome, namespace: Namespace) {
    shared = ConfigStore(home: home, namespace: .shared)
    instance = namespace.instanceID.map { ConfigStore(home: home, namespace: .instance($0)) }
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
  }

  /// The documents to read for `scope` (nil: all layers), nearest first.
  public func layers(_ scope: ConfigScope?) -> [(ConfigScope, ConfigStore)] {
    var result: [(ConfigScope, ConfigStore)] = []
    if let instance, scope != .shared { result.append((.instance, instance)) }
    if scope != .instance { result.append((.shared, shared)) }
    return result
  }

  /// Reads the layers of `scope` once each, nearest first.
  public func documents(_ scope: ConfigScope?) throws(StateError) -> [(
    ConfigScope, ConfigStore, ConfigDocument
  )] {
    var result: [(ConfigScope, ConfigStore, ConfigDocument)] = []
    for (layer, store) in layers(scope) { result.append((layer, store, try store.read())) }
    return result
  }

  /// The value of `key`, from the nearest layer that has it.
  public func lookup(_ key: String, scope: ConfigScope? = nil) throws(StateError) -> Entry? {
    for (layer, _, document) in try documents(scope) {
      if let value = document[key] {
        return Entry(key: key, value: value, scope: layer, revision: document.revision)
      }
    }
    return nil
  }

  /// Every visible key with the value that wins, sorted by key.
  public func entries(scope: ConfigScope? = nil) throws(StateError) -> [Entry] {
    Self.winners(try documents(scope))
  }

  /// The value that wins for every key of `documents` (nearest first), sorted by key: one
  /// merge of the documents' sorted entries, linear in their size.
  public static func winners(_ documents: [(ConfigScope, ConfigStore, ConfigDocument)]) -> [Entry] {
    var merged: [Entry] = []
    for (layer, _, document) in documents {
      let farther = document.entries.map {
        Entry(key: $0.key, value: $0.value, scope: layer, revision: document.revision)
      }
      merged = merged.isEmpty ? farther : merge(nearer: merged, farther: farther)
    }
    return merged
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
