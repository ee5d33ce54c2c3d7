// Fuzz target 2: the `tandem` command line, argv -> response, in-process and without disk.
//
// The input is split on NUL bytes into argv elements. Each command line runs through the
// real command tree (Sources/tandem), as `CommandLineTool.main` would run it, in text and in
// JSON mode, with the fast routes and without them. Properties checked on every run:
// - JSON mode prints exactly one compact JSON object on one line, nothing on standard error,
//   with the envelope's fields, `ok` true exactly when the exit code is 0, and
//   `error.exit_code` equal to the exit code;
// - text mode prints a failure as one `error: ... [CODE, exit N]` line on standard error;
// - every exit code is in the CLI Agent Spec's table (0-13);
// - the fast routes and swift-argument-parser give the same response;
// - nothing traps.
//
// No disk: the home is a path below /dev/null, which no one can create, and command lines
// that choose another home, or run `demo` (which makes its own temporary home and starts
// processes), are skipped. `lock run` cannot reach its command: it needs the lock first,
// which needs the home.

import TandemCLI
import TandemState

@testable import TandemCommandTree

#if canImport(Glibc)
  import Glibc
#endif

/// A home that cannot exist: every attempt to create or open it fails with ENOTDIR.
let unreachableHome = "/dev/null/tandem-fuzz-home"

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
  // Nothing inherited may steer the commands: no held locks, no home, no terminal.
  for name in ["TANDEM_HELD_LOCKS", "TANDEM_HOME", "HOME", "TANDEM_INSTANCE_ID", "TANDEM_OUTPUT"] {
    unsetenv(name)
  }
  let null = open("/dev/null", O_RDONLY)
  if null >= 0 {
    dup2(null, STDIN_FILENO)
    close(null)
  }
  return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCLI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size <= 4096 else { return -1 }
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  // argv elements cannot contain NUL; invalid UTF-8 is refused by main before `invoke`, so
  // repairing it here only adds U+FFFD, which is valid input.
  let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
    String(decoding: $0, as: UTF8.self)
  }
  guard isSafe(arguments) else { return -1 }
  for (format, environment) in [
    ("text", ["TANDEM_HOME": unreachableHome]),
    ("json", ["TANDEM_HOME": unreachableHome, "TANDEM_OUTPUT": "json"]),
  ] {
    let fast = CommandLineTool.invoke(
      Tandem.self, arguments: arguments, environment: environment)
    var slowEnvironment = environment
    slowEnvironment["TANDEM_FAST_PATH"] = "0"
    let slow = CommandLineTool.invoke(
      Tandem.self, arguments: arguments, environment: slowEnvironment)
    // A command line whose last global option lacks its value is answered in the format
    // the options before it ask for.
    let raw =
      (try? GlobalOptions.extract(from: arguments).0)
      ?? (try? GlobalOptions.extract(from: Array(arguments.dropLast())).0)
    let effective = raw?.output ?? format
    check(fast, arguments: arguments, format: effective)
    check(slow, arguments: arguments, format: effective)
    guard comparable(fast) == comparable(slow) else {
      violated(
        "the fast route and swift-argument-parser disagree:\n fast: \(describe(fast))\n slow: \(describe(slow))",
        arguments)
    }
  }
  return 0
}

/// Whether a command line is safe to run here: it keeps the unreachable home and starts no
/// processes. (Returning -1 for the others keeps them out of the corpus.)
func isSafe(_ arguments: [String]) -> Bool {
  guard let (raw, rest) = try? GlobalOptions.extract(from: arguments) else { return true }
  if let home = raw.home, !home.isEmpty { return false }
  // `demo` runs scenarios in a temporary home of its own, with real processes.
  return !rest.contains("demo")
}

func violated(_ property: String, _ arguments: [String]) -> Never {
  let shown = arguments.map { "\"\($0)\"" }.joined(separator: " ")
  fatalError("property violated: \(property)\n argv: \(shown)")
}

func describe(_ response: CommandLineTool.Response) -> String {
  "exit \(response.exitStatus.rawValue), stdout \(response.standardOutput.debugDescription), "
    + "stderr \(response.standardError.debugDescription)"
}

/// A response without what legitimately differs between two runs: `meta.duration_ms` and
/// `meta.request_id`.
func comparable(_ response: CommandLineTool.Response) -> String {
  var output = response.standardOutput
  if let json = try? JSONParser.parse(output), case .object(var members) = json,
    let index = members.firstIndex(where: { $0.0 == "meta" }), case .object(var meta) = members[index].1
  {
    meta.removeAll { $0.0 == "duration_ms" || $0.0 == "request_id" }
    members[index].1 = .object(meta)
    output = JSONWriter.compact(.object(members))
  }
  return "\(response.exitStatus.rawValue)|\(output)|\(response.standardError)"
}

/// Help, version and swift-argument-parser's own tool requests print text even in JSON mode.
func asksForText(_ arguments: [String]) -> Bool {
  arguments.contains {
    ["-h", "--help", "help", "--version", "--experimental-dump-help"].contains($0)
      || $0.hasPrefix("--generate-completion-script")
  }
}

func check(_ response: CommandLineTool.Response, arguments: [String], format: String) {
  let status = response.exitStatus.rawValue
  guard (0...13).contains(status) else { violated("exit code \(status) is outside the table", arguments) }
  if format == "json" {
    jsonEnvelope(response, arguments: arguments)
  } else if format != "text" {
    // An output format that is neither text nor json is a usage error answered both ways:
    // the envelope on standard output for a program, the error line on standard error.
    if status == 0 && asksForText(arguments) { return }
    guard status == 2 else {
      violated("an invalid output format did not exit 2: \(describe(response))", arguments)
    }
    var envelopeOnly = response
    envelopeOnly.standardError = ""
    jsonEnvelope(envelopeOnly, arguments: arguments)
    errorLine(response, arguments: arguments, allowStandardOutput: true)
  } else if status != 0 {
    errorLine(response, arguments: arguments, allowStandardOutput: false)
  }
}

/// A text-mode failure: one `error: ... [CODE, exit N]` line on standard error, after
/// warnings only.
func errorLine(_ response: CommandLineTool.Response, arguments: [String], allowStandardOutput: Bool) {
  let status = response.exitStatus.rawValue
  guard allowStandardOutput || response.standardOutput.isEmpty else {
    violated("a text-mode failure printed on standard output: \(describe(response))", arguments)
  }
  let lines = response.standardError.split(separator: "\n", omittingEmptySubsequences: false)
  guard response.standardError.hasSuffix("\n"), let last = lines.dropLast().last, last.hasPrefix("error: "),
    last.hasSuffix(", exit \(status)]")
  else { violated("a text-mode failure is not one error line: \(describe(response))", arguments) }
  guard lines.dropLast(2).allSatisfy({ $0.hasPrefix("warning: ") }) else {
    violated("standard error has more than warnings and the error line: \(describe(response))", arguments)
  }
}

func jsonEnvelope(_ response: CommandLineTool.Response, arguments: [String]) {
  let status = response.exitStatus.rawValue
  guard response.standardError.isEmpty else {
    violated("JSON mode wrote to standard error: \(describe(response))", arguments)
  }
  let output = response.standardOutput
  guard output.hasSuffix("\n"), output.utf8.filter({ $0 == 0x0A }).count == 1,
    let envelope = try? JSONParser.parse(String(output.dropLast())), case .object = envelope
  else {
    if status == 0 && asksForText(arguments) { return }
    violated("JSON mode did not print exactly one JSON object on one line: \(describe(response))", arguments)
  }
  guard let ok = envelope["ok"]?.boolValue, let data = envelope["data"], let error = envelope["error"],
    case .array(let warnings)? = envelope["warnings"], warnings.allSatisfy({ $0.stringValue != nil }),
    case .object? = envelope["meta"], envelope["meta"]?["schema_version"]?.stringValue != nil,
    let duration = envelope["meta"]?["duration_ms"]?.integerValue, duration >= 0
  else { violated("the envelope lacks a field: \(output)", arguments) }
  guard ok == (status == 0) else { violated("ok is \(ok) with exit code \(status)", arguments) }
  if ok {
    guard error == .null else { violated("a success has an error: \(output)", arguments) }
  } else {
    guard data == .null else { violated("a failure has data: \(output)", arguments) }
    guard let code = error["code"]?.stringValue, !code.isEmpty, error["message"]?.stringValue != nil,
      error["retryable"]?.boolValue != nil, error["exit_code"]?.integerValue == Int64(status)
    else { violated("the error object is incomplete or names another exit code: \(output)", arguments) }
  }
}
