/// The directory that holds all state: `config.json`, `instances/ID/`, `locks/`.
///
/// Everything below the home is opened relative to directory handles and without following
/// symbolic links, so no input can make the framework write outside it.
public struct StateHome: Hashable, Sendable, CustomStringConvertible {
  /// The home's path as given (absolute or relative to the working directory).
  public let path: String

  /// Name of the directory of per-instance namespaces.
  public static let instancesDirectoryName = "instances"
  /// Name of the directory of named locks.
  public static let locksDirectoryName = "locks"

  /// Uses `path` as the home.
  public init(path: String) {
    self.path = path
  }

  /// The home an invocation uses: an explicit path first, then `TANDEM_HOME`, then
  /// `~/.tandem`.
  public static func resolve(explicit: String?, environment: [String: String]) throws(StateError) -> StateHome
  {
    if let explicit, !explicit.isEmpty { return StateHome(path: explicit) }
    if let fromEnvironment = environment["TANDEM_HOME"], !fromEnvironment.isEmpty {
      return StateHome(path: fromEnvironment)
    }
    guard let userHome = environment["HOME"], !userHome.isEmpty else {
      var error = StateError(
        .invalidArgument, "no state home: HOME is not set; pass --home DIR or set TANDEM_HOME")
      error.fixRequired = "pass --home DIR or set TANDEM_HOME"
      throw error
    }
    return StateHome(path: userHome.hasSuffix("/") ? userHome + ".tandem" : userHome + "/.tandem")
  }

  /// The path of a file or directory below the home, for messages.
  public func displayPath(_ components: [String]) -> String {
    components.isEmpty ? path : ([path] + components).joined(with: "/")
  }

  public var description: String { path }

  /// Opens the home directory, creating it (and missing parents) with mode 0700 when
  /// `create` is set. Returns `nil` when it does not exist and `create` is not set.
  func open(create: Bool) throws(StateError) -> DirectoryHandle? {
    try DirectoryHandle.openRoot(path, create: create)
  }

  /// Opens the directory at `components` below the home, creating what is missing when
  /// `create` is set. Returns `nil` when something is missing and `create` is not set.
  func openDirectory(_ components: [String], create: Bool) throws(StateError) -> DirectoryHandle? {
    guard var current = try open(create: create) else { return nil }
    for component in components {
      guard let next = try current.openSubdirectory(component, create: create) else { return nil }
      current = next
    }
    return current
  }
}
