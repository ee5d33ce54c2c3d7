import Foundation
import TandemCLI
import TandemTestSupport
import Testing

@testable import TandemCommands

/// `tandem demo`, run as the built binary: each scenario without tandem and with it, the
/// token endpoint's count, the temporary directory's life, and the options it refuses.
/// Each run starts dozens of processes, so the suite runs one test at a time.
@Suite("tandem demo: the same agents without and with tandem", .serialized)
struct DemoTests {
  /// The scenarios in order, with the program each needs besides `sh`.
  static let scenarios = [("read-modify-write", "sh"), ("git-commit", "git"), ("token-refresh", "curl")]

  /// Whether `program` is on the test's `PATH`.
  static func installed(_ program: String) -> Bool {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").contains {
      FileManager.default.isExecutableFile(atPath: "\($0)/\(program)")
    }
  }

  /// The demo directories under `parent`.
  static func demoDirectories(_ parent: TemporaryDirectory) -> [String] {
    parent.entries().filter { $0.hasPrefix("tandem-demo-") }.map { parent.appending($0) }
  }

  @Test("--output json: a valid envelope; with tandem nothing lost and one refresh, counted by the endpoint")
  func json() throws {
    let temporary = TemporaryDirectory("tandem-demo-test")
    let result = try TandemBinary.run(["demo", "--output", "json"], environment: ["TMPDIR": temporary.path])
    #expect(result.status == 0, "\(result.standardOutput) \(result.standardError)")
    #expect(try SchemaValidator.validateEnvelopes([(result.standardOutput, result.status)]) == [])
    let data = try #require(result.data)
    #expect(data["guarantees_held"] as? Bool == true)
    #expect(data["kept"] as? Bool == false)

    // The temporary directory was under TMPDIR, and is gone.
    let directory = try #require(data["directory"] as? String)
    #expect(directory.hasPrefix(temporary.path + "/tandem-demo-"))
    #expect(!FileManager.default.fileExists(atPath: directory))
    #expect(Self.demoDirectories(temporary) == [])

    let scenarios = try #require(data["scenarios"] as? [[String: Any]])
    #expect(scenarios.map { $0["name"] as? String } == Self.scenarios.map(\.0))
    for (scenario, (name, program)) in zip(scenarios, Self.scenarios) {
      guard Self.installed(program) else {
        // Not a pass in disguise: the scenario must say it was skipped, and why.
        #expect((scenario["skipped"] as? String)?.contains(program) == true, "\(name)")
        continue
      }
      #expect(scenario["skipped"] is NSNull, "\(name): \(scenario["skipped"] ?? "")")
      #expect(scenario["guarantee_held"] as? Bool == true, "\(name)")
      let with = try #require(scenario["with_tandem"] as? [String: Any], "\(name)")
      let without = try #require(scenario["without_tandem"] as? [String: Any], "\(name)")
      let expected = try #require(with["expected"] as? Int)
      #expect(expected > 0 && without["expected"] as? Int == expected, "\(name)")
      #expect(with["kept"] as? Int == expected, "\(name): \(with)")
      #expect(with["lost"] as? Int == 0, "\(name): \(with)")
      #expect(with["failed_commands"] as? Int == 0, "\(name): \(with)")
      #expect(with["held"] as? Bool == true, "\(name)")
      #expect(with["outcome"] as? String == "nothing_lost", "\(name)")
      // Without tandem a race may not show; what is reported must agree with the counts.
      let lost = (without["lost"] as? Int ?? -1) > 0 || (without["failed_commands"] as? Int ?? -1) > 0
      #expect(without["outcome"] as? String == (lost ? "lost" : "no_loss_this_time"), "\(name): \(without)")
      #expect(without["held"] is NSNull, "\(name)")
      switch name {
      case "token-refresh":
        // Counted by the demo's token endpoint, not by the agents.
        #expect(with["refresh_requests"] as? Int == 1, "\(with)")
        #expect(with["distinct_tokens"] as? Int == 1, "\(with)")
        #expect(expected == scenario["agents"] as? Int)
        #expect((without["refresh_requests"] as? Int ?? 0) >= 1, "\(without)")
      case "git-commit":
        #expect(with["index_lock_failures"] as? Int == 0, "\(with)")
        #expect(without["index_lock_failures"] is Int, "\(without)")
      default:
        #expect(with["stale_writes_refused"] is Int, "\(with)")
      }
    }
  }

  @Test(
    "text mode with --keep: the story and the summary table; the directory is kept; the caller's TANDEM_* and GIT_DIR do not reach it"
  )
  func keepInTextMode() throws {
    let temporary = TemporaryDirectory("tandem-demo-test")
    let callerHome = temporary.appending("caller-home")
    let callerRepository = temporary.appending("caller-git")
    let result = try TandemBinary.run(
      ["demo", "--keep"],
      environment: [
        "TMPDIR": temporary.path, "TANDEM_HOME": callerHome, "TANDEM_INSTANCE_ID": "intruder",
        "GIT_DIR": callerRepository,
      ])
    #expect(result.status == 0, "\(result.standardOutput) \(result.standardError)")
    let text = result.standardOutput
    for expected in [
      "without tandem", "with tandem", "Summary:", "read-modify-write counter (4 agents)",
      "git commit, one repository (4 agents)", "OAuth token refresh (8 agents)", "http://127.0.0.1:",
      "0 of 8 logged out, 1 refresh", "40 of 40 kept, 0 lost", "20 of 20 kept, 0 git errors",
    ] {
      #expect(text.contains(expected), "missing \(expected) in:\n\(text)")
    }
    let directories = Self.demoDirectories(temporary)
    #expect(directories.count == 1)
    let directory = try #require(directories.first)
    #expect(text.contains("The temporary directory is kept: \(directory)"))
    // The agents' home is the demo's own: the shared document is there, no instance of the
    // caller's id was created, and the caller's home and repository were never made.
    #expect(FileManager.default.fileExists(atPath: directory + "/home/config.json"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/home/instances/intruder"))
    #expect(FileManager.default.fileExists(atPath: directory + "/repository/.git"))
    #expect(!FileManager.default.fileExists(atPath: callerHome))
    #expect(!FileManager.default.fileExists(atPath: callerRepository))
  }

  @Test(
    "--home, --instance-id and --lock-timeout are refused with exit 2, naming the flag; nothing is created")
  func refusesStateOptions() throws {
    let temporary = TemporaryDirectory("tandem-demo-test")
    let home = temporary.appending("home")
    for (arguments, flag) in [
      (["--home", home, "demo"], "--home"), (["demo", "--instance-id", "agent-1"], "--instance-id"),
      (["demo", "--keep", "--lock-timeout=1s"], "--lock-timeout"),
    ] {
      let json = try TandemBinary.run(
        arguments + ["--output", "json"], environment: ["TMPDIR": temporary.path])
      #expect(json.status == 2, "\(arguments)")
      #expect(json.errorCode == "INVALID_ARGUMENT", "\(arguments)")
      #expect(json.error?["option"] as? String == flag)
      let message = json.error?["message"] as? String ?? ""
      #expect(message.contains("tandem demo does not take \(flag)"), "\(message)")
      #expect(message.contains("temporary directory"), "\(message)")
      let text = try TandemBinary.run(arguments, environment: ["TMPDIR": temporary.path])
      #expect(text.status == 2 && text.standardOutput.isEmpty)
      #expect(text.standardError.contains("does not take \(flag)"), "\(text.standardError)")
    }
    #expect(temporary.entries() == [])
  }

  @Test("without git and curl on PATH those scenarios are skipped and say why; the counter still runs")
  func missingPrograms() throws {
    let temporary = TemporaryDirectory("tandem-demo-test")
    // A PATH with what the counter's agents need, and neither git nor curl.
    let bin = temporary.appending("bin")
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    for program in ["sh", "cat", "sleep", "rm", "head"] {
      let path = try #require(
        ["/usr/bin", "/bin"].map { "\($0)/\(program)" }.first {
          FileManager.default.isExecutableFile(atPath: $0)
        })
      try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(program)", withDestinationPath: path)
    }
    let environment = ["TMPDIR": temporary.path, "PATH": bin]
    let result = try TandemBinary.run(["demo", "--output", "json"], environment: environment)
    #expect(result.status == 0, "\(result.standardOutput)")
    let scenarios = try #require(result.data?["scenarios"] as? [[String: Any]])
    #expect(scenarios.count == 3)
    #expect(scenarios.first?["skipped"] is NSNull)
    #expect(scenarios.first?["guarantee_held"] as? Bool == true)
    for (scenario, program) in zip(scenarios.dropFirst(), ["git", "curl"]) {
      #expect((scenario["skipped"] as? String)?.hasPrefix("\(program) is not installed here") == true)
      #expect(scenario["guarantee_held"] is NSNull && scenario["with_tandem"] is NSNull)
    }
    let text = try TandemBinary.run(["demo"], environment: environment)
    #expect(text.status == 0)
    #expect(text.standardOutput.contains("skipped: git is not installed here"))
    #expect(text.standardOutput.contains("skipped: curl is not installed here"))
    #expect(Self.demoDirectories(temporary) == [])
  }

  @Test("SIGINT during the demo: it stops its agents, removes its directory and exits 130 with INTERRUPTED")
  func interrupted() throws {
    let temporary = TemporaryDirectory("tandem-demo-test")
    let running = try TandemBinary.start(
      ["demo", "--output", "json"], environment: ["TMPDIR": temporary.path])
    // Bounded wait until the first scenario is under way (its counter file exists).
    var underWay = false
    for _ in 0..<2000 where !underWay {
      underWay = Self.demoDirectories(temporary).contains {
        FileManager.default.fileExists(atPath: $0 + "/counter.txt")
      }
      if !underWay { usleep(10_000) }
    }
    #expect(underWay)
    kill(running.pid, SIGINT)
    let result = running.wait()
    #expect(result.status == 130, "\(result.standardOutput)")
    #expect(result.errorCode == "INTERRUPTED")
    #expect(result.error?["signal"] as? String == "SIGINT")
    #expect(Self.demoDirectories(temporary) == [])
  }

  @Test("a scenario with tandem that lost anything fails the demo with DEMO_GUARANTEE_BROKEN, exit 1")
  func brokenGuarantee() throws {
    var held = DemoScenarioResult(name: "git-commit", title: "git", agents: 4, eachAgent: "5 commits")
    held.withoutTandem = DemoSide(expected: 20, kept: 12, failedCommands: 9, summary: "12 of 20 kept")
    held.withTandem = DemoSide(
      expected: 20, kept: 20, failedCommands: 0, held: true, summary: "20 of 20 kept")
    var skipped = DemoScenarioResult(name: "token-refresh", title: "token", agents: 8, eachAgent: "1 token")
    skipped.skipped = "curl is not installed here"
    #expect(throws: Never.self) {
      try DemoCommand.verdict([held, skipped], directory: "/tmp/d", kept: false)
    }

    var broken = DemoScenarioResult(name: "read-modify-write", title: "counter", agents: 4, eachAgent: "10")
    broken.withoutTandem = DemoSide(expected: 40, kept: 40, failedCommands: 0, summary: "no loss this time")
    broken.withTandem = DemoSide(
      expected: 40, kept: 39, failedCommands: 0, held: false, summary: "39 of 40 kept")
    #expect(broken.withoutTandem?.outcome == "no_loss_this_time")
    #expect(broken.withTandem?.outcome == "lost" && broken.withTandem?.lost == 1)
    #expect(!broken.guaranteeHeld && held.guaranteeHeld && skipped.guaranteeHeld)
    do {
      try DemoCommand.verdict([held, broken, skipped], directory: "/tmp/d", kept: false)
      Issue.record("a lost increment with tandem must fail the demo")
    } catch let failure as CommandFailure {
      #expect(failure.code == "DEMO_GUARANTEE_BROKEN")
      #expect(failure.exitCode == .generalError)
      #expect(failure.message.contains("read-modify-write") && !failure.message.contains("git-commit"))
      #expect(failure.details.contains { $0.0 == "scenarios" })
    }
    let table = DemoSummaryTable.render([held, broken, skipped])
    #expect(table.split(separator: "\n").count == 4)
    #expect(table.contains("39 of 40 kept  <- FAILED"))
    #expect(table.contains("skipped: curl is not installed here"))
  }
}
