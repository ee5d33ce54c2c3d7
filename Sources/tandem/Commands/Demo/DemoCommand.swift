import ArgumentParser
import TandemCLI
import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// `tandem demo`: what the tool is for, shown with real concurrent processes.
struct DemoCommand: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Show, with real concurrent processes in a temporary home, what tandem guarantees."
  )

  @Flag(help: "Keep the temporary home and print its path.") var keep = false

  func execute(in context: CommandContext) throws -> DemoOutcome {
    var template = Array("/tmp/tandem-demo-XXXXXX".utf8CString)
    guard let created = mkdtemp(&template) else {
      throw CommandFailure(
        code: "IO_ERROR", exitCode: .generalError, message: "cannot create a temporary directory in /tmp")
    }
    let home = String(cString: created)
    defer { if !keep { Self.removeTree(home) } }

    var report = DemoReport()
    report.line("tandem demo: real processes, one temporary home (\(home))")
    DemoScenarios(home: home).runAll(into: &report)
    if keep { report.line("\nThe home is kept at \(home).") }

    let failed = report.scenarios.filter { !$0.passed }
    guard failed.isEmpty else {
      var failure = CommandFailure(
        code: "DEMO_FAILED", exitCode: .generalError,
        message: "demo scenario failed: \(failed.map(\.name).joined(separator: ", "))")
      failure.details = [("scenarios", try ResultEncoder.encode(report.scenarios))]
      throw failure
    }
    return DemoOutcome(home: home, scenarios: report.scenarios, narration: report.text)
  }

  /// Deletes the demo's temporary home.
  static func removeTree(_ path: String) {
    _ = DemoProcess(["-rf", path], executable: "/bin/rm").wait()
  }
}

/// What `demo` answers: where it ran and how each scenario went; its text is the narration.
struct DemoOutcome: CommandResult {
  /// The temporary home.
  let home: String
  let scenarios: [DemoReport.Scenario]
  /// What text mode prints.
  let narration: String

  // The narration is the text, not a member.
  private enum CodingKeys: CodingKey { case home, scenarios }

  var text: String? { narration }
}

/// The demo's narration and the outcome of each scenario.
struct DemoReport {
  /// One scenario's outcome.
  struct Scenario: Encodable {
    var name: String
    var passed: Bool
    var detail: String
  }

  private(set) var text = ""
  private(set) var scenarios: [Scenario] = []

  mutating func line(_ text: String) { self.text += text + "\n" }

  mutating func record(_ name: String, passed: Bool, _ detail: String) {
    scenarios.append(Scenario(name: name, passed: passed, detail: detail))
    line((passed ? "  ✓ " : "  ✗ ") + detail)
  }
}
