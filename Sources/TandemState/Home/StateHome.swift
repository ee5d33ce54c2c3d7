/// The directory that holds all of one tool's state: `config.json`, `instances/ID/`,
/// `locks/`.
///
/// A home belongs to one tool (``ToolIdentity``): the format tags of its documents and the
/// variables through which it passes locks down derive from that identity.
///
/// Everything below the home is opened relative to directory handles and without following
/// symbolic links, so no input can make the framework write outside it.
public struct StateHome: Hashable, Sendable, CustomStringConvertible {
  /// The home's path as given (absolute or relative to the working directory).
  public let path: String
  /// The tool whose state this is.
  public let tool: ToolIdentity

  /// Name of the directory of per-instance namespaces.
  public static let instancesDirectoryName = "instances"
  /// Name of the directory of named locks.
  public static let locksDirectoryName = "locks"

  /// Uses `path` as the home of `tool`.
  public init(path: String, tool: ToolIdentity) {
    self.path = path
    self.tool = tool
  }

  /// The home an invocation uses: an explicit path first, then the tool's `PREFIX_HOME`
  /// variable, then the tool's default location (``ToolIdentity/defaultHome(environment:)``).
  public static func resolve(tool: ToolIdentity, explicit: String?, environment: [String: String])
    throws(StateError) -> StateHome
  {
    try resolve(tool: tool, explicit: explicit, lookup: { environment[$0] })
  }

  /// ``resolve(tool:explicit:environment:)`` with the variables read through `lookup`.
  package static func resolve(tool: ToolIdentity, explicit: String?, lookup: (String) -> String?)
    throws(StateError) -> StateHome
  {
    if let explicit, !explicit.isEmpty { return StateHome(path: explicit, tool: tool) }
    if let fromEnvironment = lookup(tool.homeVariable), !fromEnvironment.isEmpty {
      return StateHome(path: fromEnvironment, tool: tool)
    }
    guard let path = tool.defaultHome(lookup: lookup) else {
      var error = StateError(.invalidArgument, "no state home: HOME is not set and no state home was given")
      error.fixRequired = "name a state home, or set HOME"
      error.remedy = .nameHome
      throw error
    }
    return StateHome(path: path, tool: tool)
  }

  /// The path of a file or directory below the home, for messages.
  func displayPath(_ components: [String]) -> String {
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
