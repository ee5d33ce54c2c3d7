import TandemCLI
import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The demo's temporary directory, and what its agents run with: the tandem home inside
/// it, and an environment of their own.
///
/// The agents get the caller's environment without its `TANDEM_*` and `GIT_*` variables
/// (an instance id, a home or a held lock of the caller's must not reach them), plus
/// `TANDEM_HOME` pointing into the directory, a generous lock timeout, and a git
/// configuration of the directory's own, so that neither the caller's tandem state nor their
/// git configuration is read or touched.
struct DemoWorkspace {
  /// The temporary directory.
  let directory: String
  /// The environment of every process the demo starts.
  let environment: ProcessEnvironment

  /// The tandem home the agents share.
  var home: String { directory + "/home" }

  /// A path inside the directory.
  func path(_ name: String) -> String { directory + "/" + name }

  /// Creates a new directory under `TMPDIR` (when it is an absolute path) or `/tmp`.
  static func create() throws(CommandFailure) -> DemoWorkspace {
    var parent = Environment.value("TMPDIR") ?? ""
    if !parent.hasPrefix("/") { parent = "/tmp" }
    while parent.count > 1 && parent.hasSuffix("/") { parent.removeLast() }
    var template = Array((parent + "/tandem-demo-XXXXXX").utf8CString)
    guard let created = mkdtemp(&template) else {
      let reason = String(cString: strerror(errno))
      throw CommandFailure(
        code: StateError.Code.ioError.rawValue, exitCode: .generalError,
        message: "cannot create the demo's temporary directory in \(parent): \(reason)")
    }
    let directory = String(cString: created)

    var environment = ProcessEnvironment.inherited()
    environment.remove { $0.hasPrefix("TANDEM_") || $0.hasPrefix("GIT_") }
    environment.set("TANDEM_HOME", directory + "/home")
    // Far above any wait here: a timeout would be the machine's load, not a lost update.
    environment.set("TANDEM_LOCK_TIMEOUT", "60s")
    environment.set("LC_ALL", "C")
    environment.set("GIT_CONFIG_NOSYSTEM", "1")
    environment.set("GIT_CONFIG_GLOBAL", directory + "/gitconfig")
    environment.set("GIT_TERMINAL_PROMPT", "0")
    return DemoWorkspace(directory: directory, environment: environment)
  }

  /// Removes the directory and everything in it; false if it is still there.
  func remove() -> Bool {
    var status = stat()
    // Again after a pause: an interrupted agent's last `git` may still be writing in it.
    for attempt in 0..<3 {
      if attempt > 0 { usleep(200_000) }
      _ = DemoProcess(["rm", "-rf", "--", directory], environment: environment).wait()
      if lstat(directory, &status) != 0 && errno == ENOENT { return true }
    }
    return false
  }

  /// Starts this same `tandem` with `arguments`.
  func tandem(_ arguments: [String], input: [UInt8] = []) -> DemoProcess {
    DemoProcess([DemoProcess.executablePath] + arguments, environment: environment, input: input)
  }

  /// Starts an agent: `/bin/sh -c script`, whose `$1` is this `tandem` and `$2`... the
  /// `arguments`.
  func agent(_ script: String, _ arguments: [String]) -> DemoProcess {
    DemoProcess(
      ["/bin/sh", "-c", script, "agent", DemoProcess.executablePath] + arguments, environment: environment)
  }

  /// The path of `program` in the agents' `PATH`, or nil when it is not installed.
  func find(_ program: String) -> String? {
    for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
      let candidate = directory + "/" + program
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }
}
