import Foundation
import TandemTestSupport
import Testing

/// A reader's shell for the README's examples: a fresh tandem home in `TANDEM_HOME`, a user
/// of its own in `HOME`, and a `PATH` that starts with the built `tandem` (and `notes`) and
/// any stand-in programs a scenario adds. Lines run with `/bin/sh` in a working directory of
/// their own, one after the other, as a reader would type them.
final class ReadmeSession: @unchecked Sendable {
  let directory = TemporaryDirectory("tandem-readme")
  /// `TANDEM_HOME`.
  var home: String { directory.appending("state") }
  /// `HOME`: the user whose files (`~/.gitconfig`) a tool reads and writes.
  var user: String { directory.appending("user") }
  /// The directory the lines run in.
  var work: String { directory.appending("work") }
  /// The programs ahead of the rest of `PATH`.
  var bin: String { directory.appending("bin") }
  /// Variables a scenario adds (`REFRESH_TOKEN`, ...).
  var extraEnvironment: [String: String] = [:]
  /// Text of README lines replaced before they run, each with its stand-in (a placeholder
  /// URL by the test's own endpoint).
  var substitutions: [String: String] = [:]
  /// What a step keeps for a later one (a token, a file's bytes).
  var remembered: [String: String] = [:]
  /// The token endpoint a scenario started.
  var tokenServer: OAuthTestServer?
  /// Processes a step started and a later one ends.
  var background: [TandemBinary.Running] = []

  init() throws {
    let files = FileManager.default
    for path in [user, work, bin] {
      try files.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    try files.createSymbolicLink(atPath: bin + "/tandem", withDestinationPath: TandemBinary.path)
    try files.createSymbolicLink(atPath: bin + "/notes", withDestinationPath: BuiltProduct.notes.path)
  }

  /// The environment of every line.
  var environment: [String: String] {
    let inherited = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return [
      "PATH": bin + ":" + inherited, "HOME": user, "XDG_CONFIG_HOME": user + "/.config",
      "TANDEM_HOME": home, "NOTES_HOME": directory.appending("notes"),
      // git reads no configuration of the machine's, and commits need no identity from it.
      "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Reader", "GIT_AUTHOR_EMAIL": "reader@example.com",
      "GIT_COMMITTER_NAME": "Reader", "GIT_COMMITTER_EMAIL": "reader@example.com",
    ].merging(extraEnvironment) { $1 }
  }

  /// Runs `script` with `/bin/sh` in ``work``.
  ///
  /// `swift run PRODUCT ARGS` is a shell function here that runs the product already built
  /// for the tests: the build itself is what the tests do not repeat.
  @discardableResult
  func shell(_ script: String) throws -> TandemBinary.Result {
    let prelude =
      #"swift() { [ "$1" = run ] || { echo "swift $1: not run by the tests" >&2; return 97; }; shift; "$@"; }"#
    return try TandemBinary.startProgram(
      "/bin/sh", ["-c", prelude + "\ncd \"$0\" || exit 99\n" + script, work], environment: environment
    ).wait()
  }

  /// `command` with ``substitutions`` made.
  func substituted(_ command: String) -> String {
    substitutions.reduce(command) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
  }

  /// Runs `tandem --output json ARGS` directly, in the lines' environment (not a README
  /// line): to look at what a line did, or to prepare the next.
  func tandem(_ arguments: [String], instance: String? = nil) throws -> TandemBinary.Result {
    try TandemBinary.run(
      ["--home", home, "--output", "json"] + (instance.map { ["--instance-id", $0] } ?? []) + arguments,
      environment: environment)
  }

  /// The values `config list` shows (all of them), in the shared namespace or an instance's.
  func values(instance: String? = nil) throws -> [String: String] {
    let result = try tandem(["config", "list", "--limit", "0"], instance: instance)
    #expect(result.status == 0, "config list: \(result.standardError)")
    var values: [String: String] = [:]
    for entry in (result.data?["entries"] as? [[String: Any]]) ?? [] {
      values[entry["key"] as! String] = entry["value"] as? String
    }
    return values
  }

  /// The shared document's revision, as `config list` reports it.
  func revision(instance: String? = nil) throws -> Int? {
    let result = try tandem(["config", "list", "--limit", "0"], instance: instance)
    let revisions = result.data?["revisions"] as? [String: Any]
    return (revisions?[instance == nil ? "shared" : "instance"] as? NSNumber)?.intValue
  }

  /// Writes an executable script into ``bin``: a stand-in for a program the example calls.
  func installProgram(_ name: String, _ script: String) throws {
    let path = bin + "/" + name
    try Data(("#!/bin/sh\n" + script + "\n").utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
  }

  /// The `data` of an envelope a line left in a file, or nil.
  static func data(ofEnvelope text: String) -> [String: Any]? {
    let envelope = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    return envelope?["data"] as? [String: Any]
  }

  /// A file's text, or nil.
  func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
}
