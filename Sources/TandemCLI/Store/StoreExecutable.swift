public import TandemState

/// A store served by another executable of the same tool, installed beside it: the tool
/// started with a URL of one of ``schemes`` replaces itself with that executable (`execv`,
/// same arguments, same environment) before anything else is done, so the caller sees one
/// tool whatever its store.
///
/// What it is for: a backend whose client brings a large runtime (a network stack, TLS, a
/// database driver) would make every start of the tool slower, also for callers who use the
/// home's files. Built as a second executable (the same command tree plus that backend's
/// ``StoreProvider``), it costs nothing to those who do not ask for it:
///
/// ```swift
/// // main.swift of `notes`
/// CommandLineTool.main(
///   Notes.self,
///   stores: [StoreExecutable(schemes: ["mydb"], fileName: "notes-mydb", installation: "make install")])
///
/// // main.swift of `notes-mydb`
/// CommandLineTool.main(Notes.self, stores: [SharedDatabase()])
/// ```
///
/// The executable is looked for in the directory of the running executable (its real path,
/// links resolved). When it is not there, or cannot be run, the command fails with
/// `SETUP_REQUIRED` (exit 4), naming the file looked for and how to install it; nothing was
/// done. Called in-process (``CommandLineTool``'s embedding entry points, tests), where there
/// is no process to replace, ``backend(url:home:tool:environment:)`` refuses with the same
/// code.
public struct StoreExecutable: StoreProvider {
  /// The URL schemes the executable serves, in lower case.
  public let schemes: [String]
  /// The executable's file name, e.g. `notes-mydb`.
  public let fileName: String
  /// What installs it, for the error when it is missing, e.g. `make install installs both`.
  public let installation: String

  /// A store served by the executable `fileName` beside this one.
  ///
  /// - Parameters:
  ///   - schemes: the URL schemes it serves, in lower case.
  ///   - fileName: its file name, looked for beside the running executable.
  ///   - installation: how to install it, said when it is missing.
  public init(schemes: [String], fileName: String, installation: String) {
    self.schemes = schemes
    self.fileName = fileName
    self.installation = installation
  }

  /// Refuses: only a process started as the tool can hand its command line over.
  public func backend(url: String, home: StateHome, tool: ToolIdentity, environment: [String: String])
    throws(StateError) -> any StateBackend
  {
    var error = StateError(
      .setupRequired,
      "\(StoreURL.scheme(of: url) ?? "this") store is served by the executable \(fileName), which an "
        + "in-process invocation cannot hand the command over to")
    error.fixRequired = "run \(fileName) itself, or \(tool.name) as a process"
    throw error
  }
}
