/// Where a document lives: the shared namespace, or one instance's own.
public enum Namespace: Hashable, Sendable, CustomStringConvertible {
  /// The namespace every instance reads from when it has no value of its own.
  case shared
  /// One agent's namespace, under `instances/ID/`.
  case instance(InstanceID)

  /// The instance id, or `nil` for the shared namespace.
  public var instanceID: InstanceID? {
    if case .instance(let id) = self { return id }
    return nil
  }

  /// Directory names from the home to this namespace's directory.
  var components: [String] {
    switch self {
    case .shared: return []
    case .instance(let id): return [StateHome.instancesDirectoryName, id.rawValue]
    }
  }

  public var description: String {
    switch self {
    case .shared: return "shared"
    case .instance(let id): return "instance \(id.rawValue)"
    }
  }
}
