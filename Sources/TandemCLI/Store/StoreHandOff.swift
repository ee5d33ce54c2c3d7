import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Hands a command line to the ``StoreExecutable`` that serves its store URL, before
/// anything else is done: the process becomes that executable.
enum StoreHandOff {
  /// The executable that serves the store URL given in `raw` or the environment, if any of
  /// `stores` is one: read from the flag already taken out and one environment variable.
  static func executable(
    among stores: () -> [any StoreProvider], raw: GlobalOptions.Raw, environment: EnvironmentLookup,
    tool: ToolIdentity, names: GlobalOptionNames
  ) -> StoreExecutable? {
    guard let url = GlobalOptions.store(raw, environment: environment, tool: tool, names: names),
      let scheme = StoreURL.scheme(of: url), let provider = StoreURL.provider(for: scheme, among: stores())
    else { return nil }
    return provider as? StoreExecutable
  }

  /// Replaces this process with `executable`, found beside the running executable. Returns
  /// only when that cannot be done: `SETUP_REQUIRED` (exit 4), naming the file looked for.
  static func replaceProcess(
    with executable: StoreExecutable, url: String?, given: GlobalOptions.Given?, tool: ToolIdentity,
    names: GlobalOptionNames
  ) -> CommandFailure {
    let scheme = url.flatMap(StoreURL.scheme(of:)) ?? executable.schemes.first ?? ""
    let place = given?.place ?? names.flag(.store)
    guard let path = ProcessReplacement.besideRunningExecutable(executable.fileName) else {
      return missing(
        "the \(scheme) store given in \(place) is served by \(executable.fileName), which is looked for beside "
          + "\(tool.name), but the path of the running \(tool.name) is unknown",
        executable: executable, path: nil, scheme: scheme, given: given, tool: tool, names: names)
    }
    let error = ProcessReplacement.replace(with: path)
    let problem =
      error.errno == ENOENT || error.errno == ENOTDIR
      ? "\(path) is missing" : "\(path) cannot be run: \(error.reason) (errno \(error.errno))"
    var failure = missing(
      "the \(scheme) store given in \(place) is served by \(executable.fileName), installed beside \(tool.name), "
        + "but \(problem)",
      executable: executable, path: path, scheme: scheme, given: given, tool: tool, names: names)
    if error.errno != ENOENT && error.errno != ENOTDIR {
      failure.details += [("errno", .integer(Int64(error.errno))), ("syscall", .string(error.call))]
    }
    return failure
  }

  private static func missing(
    _ message: String, executable: StoreExecutable, path: String?, scheme: String,
    given: GlobalOptions.Given?,
    tool: ToolIdentity, names: GlobalOptionNames
  ) -> CommandFailure {
    var failure = CommandFailure(
      StateError(.setupRequired, message + "; nothing was done"))
    let unset =
      given.map { $0.fromFlag ? "leave \($0.place) out" : "unset \($0.variable)" }
      ?? "leave \(names.flag(.store)) out"
    failure.fixRequired =
      "install \(executable.fileName) beside \(tool.name) (\(executable.installation)), or \(unset) "
      + "to use the home's files"
    failure.details += [("executable", .string(path ?? executable.fileName)), ("scheme", .string(scheme))]
    return failure
  }
}
