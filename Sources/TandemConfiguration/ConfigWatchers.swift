import Configuration

/// The open `watchValue` and `watchSnapshot` streams of one provider, told of each snapshot
/// that a reload installs.
struct ConfigWatchers {
  /// A stream of one key's value, as one type.
  struct ValueWatcher {
    var key: AbsoluteConfigKey
    var type: ConfigType
    var continuation: AsyncStream<Result<LookupResult, any Error>>.Continuation
  }

  private var values: [Int: ValueWatcher] = [:]
  private var snapshots: [Int: AsyncStream<TandemConfigSnapshot>.Continuation] = [:]
  private var nextID = 0

  /// Adds a value stream; returns its id for ``remove(_:)``.
  mutating func add(_ watcher: ValueWatcher) -> Int {
    nextID += 1
    values[nextID] = watcher
    return nextID
  }

  /// Adds a snapshot stream; returns its id for ``remove(_:)``.
  mutating func add(_ continuation: AsyncStream<TandemConfigSnapshot>.Continuation) -> Int {
    nextID += 1
    snapshots[nextID] = continuation
    return nextID
  }

  /// Removes a stream and ends it.
  mutating func remove(_ id: Int) {
    values.removeValue(forKey: id)?.continuation.finish()
    snapshots.removeValue(forKey: id)?.finish()
  }

  /// Sends `new` to every snapshot stream, and to every value stream whose value differs
  /// between `old` and `new`.
  func notify(from old: TandemConfigSnapshot, to new: TandemConfigSnapshot) {
    for watcher in values.values {
      let before = Result { try old.value(forKey: watcher.key, type: watcher.type) }
      let after = Result { try new.value(forKey: watcher.key, type: watcher.type) }
      if !Self.same(before, after) { watcher.continuation.yield(after) }
    }
    for continuation in snapshots.values { continuation.yield(new) }
  }

  /// Whether two reads give the same value, or fail the same way.
  private static func same(_ lhs: Result<LookupResult, any Error>, _ rhs: Result<LookupResult, any Error>)
    -> Bool
  {
    switch (lhs, rhs) {
    case (.success(let lhs), .success(let rhs)): return lhs == rhs
    case (.failure(let lhs), .failure(let rhs)): return String(describing: lhs) == String(describing: rhs)
    default: return false
    }
  }
}
