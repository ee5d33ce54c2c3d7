public import TandemState

/// Serves the store URLs of some schemes: where a tool keeps its state when the caller passes
/// `--store URL` (or sets `PREFIX_STORE`) instead of using the home's files.
///
/// TandemCLI has no store of its own but the home's files (`FileBackend`), which every
/// command uses when no store URL is given. A tool that can keep its state elsewhere (a
/// database shared by several hosts) gives a provider for each such backend to its entry
/// point; a command then asks ``CommandContext/backend()`` for the backend of the URL given,
/// and works with it through `StateBackend` as it would with the files:
///
/// ```swift
/// struct SharedDatabase: StoreProvider {
///   var schemes: [String] { ["mydb"] }
///   func backend(url: String, home: StateHome, tool: ToolIdentity, environment: [String: String])
///     throws(StateError) -> any StateBackend
///   {
///     try MyDatabaseBackend(url: url, tool: tool, environment: environment)
///   }
/// }
///
/// // main.swift
/// CommandLineTool.main(Notes.self, stores: [SharedDatabase()])
/// ```
///
/// A URL whose scheme no provider serves is refused (`INVALID_ARGUMENT`, exit 2) with the
/// schemes this build serves. A backend whose client is too heavy for every start of the tool
/// can live in a second executable of the same tool: see ``StoreExecutable``.
public protocol StoreProvider: Sendable {
  /// The URL schemes served, in lower case and without the `:` (`["mydb"]` for `mydb://...`).
  /// A scheme is matched whatever its case, as URL schemes are.
  var schemes: [String] { get }

  /// The backend of the store at `url`, whose scheme is one of ``schemes``.
  ///
  /// Throws a `StateError`, which the command reports through the ``ErrorCatalog``: a URL
  /// that does not parse `INVALID_ARGUMENT`, a server that cannot be reached `UNAVAILABLE`.
  /// A message must not repeat a secret that a URL may hold.
  ///
  /// - Parameters:
  ///   - url: the URL as given, by `--store` or the tool's `PREFIX_STORE` variable.
  ///   - home: the tool's state home (some backends keep local files there).
  ///   - tool: the tool's identity.
  ///   - environment: the process's environment (the variables the backend's own
  ///     conventions read, such as a password variable).
  func backend(url: String, home: StateHome, tool: ToolIdentity, environment: [String: String])
    throws(StateError) -> any StateBackend
}
