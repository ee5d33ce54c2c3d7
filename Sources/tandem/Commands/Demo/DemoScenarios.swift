import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The five things the demo shows, each with real `tandem` processes.
struct DemoScenarios {
  let home: String

  private func tandem(_ arguments: [String], instance: String? = nil) -> [String] {
    ["--home", home] + (instance.map { ["--instance-id", $0] } ?? []) + arguments
  }

  func runAll(into report: inout DemoReport) {
    parallelWritesAreAllKept(&report)
    sameRevisionWritersGetOneConflict(&report)
    heldLockTimesOutWithHolder(&report)
    instancesWriteSideBySide(&report)
    naiveToolUnderRun(&report)
  }

  /// 5. A tool with no lock of its own (a shell counter: read, add one, write back), called
  /// by four agents at once: alone it loses increments; under `tandem run --serialize` none.
  func naiveToolUnderRun(_ report: inout DemoReport) {
    report.line(
      "\n5. A tool with no lock (read a counter, add one, write it back), 4 agents x 10 calls at once.")
    let increment = "n=$(cat \"$3\" 2>/dev/null || echo 0); sleep 0.005; echo $((n + 1)) > \"$3\""
    func count(through tandemRun: Bool) -> Int {
      let file = home + (tandemRun ? "/demo-counter-tandem" : "/demo-counter-alone")
      let call =
        tandemRun
        ? "\"$1\" --home \"$2\" run --serialize --tool counter -- sh -c '\(increment)' sh \"$1\" \"$2\" \"$3\" >/dev/null"
        : "sh -c '\(increment)' sh \"$1\" \"$2\" \"$3\""
      let loop = "for i in 1 2 3 4 5 6 7 8 9 10; do \(call); done"
      let agents = (1...4).map { _ in
        DemoProcess(["-c", loop, "sh", DemoProcess.executablePath, home, file], executable: "/bin/sh")
      }
      _ = agents.map { $0.wait() }
      guard let bytes = try? DemoFile.read(file) else { return 0 }
      return Int(
        String(decoding: bytes.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }, as: UTF8.self))
        ?? 0
    }
    let alone = count(through: false)
    let underRun = count(through: true)
    report.line(
      "   alone: the counter ends at \(alone) of 40" + (alone < 40 ? " (increments were lost)" : ""))
    report.record(
      "naive-tool-under-run", passed: underRun == 40,
      "through tandem run --serialize: the counter ends at \(underRun) of 40"
        + (underRun == 40 ? ": no increment lost" : ": INCREMENTS WERE LOST"))
  }

  /// 1. Two agents writing different keys at the same time: nothing is lost.
  func parallelWritesAreAllKept(_ report: inout DemoReport) {
    report.line("\n1. Two agents each set 20 keys in the shared config, at the same time.")
    let writes = 20
    // Each agent is a shell loop of separate `tandem config set` processes, like an agent.
    let agents = ["agent-1", "agent-2"].map { agent in
      let loop = (1...writes).map {
        "\"$1\" --home \"$2\" config set \(agent).key\($0)=value\($0) >/dev/null || exit 1"
      }
      return DemoProcess(
        ["-c", loop.joined(separator: "; "), "sh", DemoProcess.executablePath, home], executable: "/bin/sh")
    }
    let results = agents.map { $0.wait() }
    let listing = DemoProcess.run(tandem(["--output", "json", "config", "list"]))
    let count = countEntries(listing.standardOutput)
    let allExited0 = results.allSatisfy { $0.status == 0 }
    report.record(
      "parallel-writes-kept", passed: allExited0 && count == 2 * writes,
      "agents exited \(results.map { String($0.status) }.joined(separator: " and ")); \(count) of \(2 * writes) keys are present"
        + (count == 2 * writes ? ": no lost update" : ": UPDATES WERE LOST"))
  }

  /// 2. Two agents that read the same revision and both write with --if-revision.
  func sameRevisionWritersGetOneConflict(_ report: inout DemoReport) {
    report.line("\n2. Two agents read revision N and both write `config set --if-revision N` at once.")
    let current = DemoProcess.run(tandem(["--output", "json", "config", "list"]))
    let revision =
      (try? JSONParser.parse(current.standardOutput))?["data"]?["revisions"]?["shared"]?.integerValue ?? 0
    let results = DemoProcess.runTogether([
      tandem(["--output", "json", "config", "set", "--if-revision", String(revision), "deploy.target=blue"]),
      tandem(["--output", "json", "config", "set", "--if-revision", String(revision), "deploy.target=green"]),
    ])
    let statuses = results.map(\.status).sorted()
    report.line("   exit codes: \(results.map { String($0.status) }.joined(separator: " and "))")
    if let loser = results.first(where: { $0.status == 6 }) {
      let error = (try? JSONParser.parse(loser.standardOutput))?["error"]
      report.line("   the loser's error: " + (error.map(JSONWriter.compact) ?? loser.standardOutput))
    }
    report.record(
      "one-revision-one-winner", passed: statuses == [0, 6],
      statuses == [0, 6]
        ? "exactly one write applied (exit 0), the other was refused with exit 6 CONCURRENT_MODIFICATION"
        : "unexpected exit codes \(statuses)")
  }

  /// 3. A held lock: a writer with a short timeout is told who holds it and when to retry.
  func heldLockTimesOutWithHolder(_ report: inout DemoReport) {
    report.line(
      "\n3. One agent holds the config lock for 1.5 s (`lock run -- sleep 1.5`); another writes with --lock-timeout 300ms."
    )
    let holder = DemoProcess(tandem(["lock", "run", "--", "sleep", "1.5"], instance: nil))
    // Wait until the holder has the lock, bounded.
    for _ in 0..<200 {
      let status = DemoProcess.run(tandem(["--output", "json", "lock", "status"]))
      if (try? JSONParser.parse(status.standardOutput))?["data"]?["held"]?.boolValue == true { break }
      usleep(10_000)
    }
    let waiter = DemoProcess.run(tandem(["--lock-timeout", "300ms", "config", "set", "deploy.paused=true"]))
    report.line("   the writer's message: " + waiter.standardError.trimmingCharacters())
    let holderResult = holder.wait()
    let retry = DemoProcess.run(tandem(["config", "set", "deploy.paused=true"]))
    report.record(
      "lock-timeout-names-holder",
      passed: waiter.status == 6 && waiter.standardError.contains("sleep 1.5") && holderResult.status == 0
        && retry.status == 0,
      "the writer exited \(waiter.status) (6 expected) naming the holder and a retry time; "
        + "after the holder finished, the retry exited \(retry.status)")
  }

  /// 4. Two instances writing the same key side by side into their own files.
  func instancesWriteSideBySide(_ report: inout DemoReport) {
    report.line("\n4. Instances agent-a and agent-b set `model` at the same time, each in its own namespace.")
    let results = DemoProcess.runTogether([
      tandem(["config", "set", "model=small"], instance: "agent-a"),
      tandem(["config", "set", "model=large"], instance: "agent-b"),
    ])
    let a = DemoProcess.run(tandem(["config", "get", "model"], instance: "agent-a")).standardOutput
      .trimmingCharacters()
    let b = DemoProcess.run(tandem(["config", "get", "model"], instance: "agent-b")).standardOutput
      .trimmingCharacters()
    let shared = DemoProcess.run(tandem(["config", "get", "deploy.paused"], instance: "agent-a"))
      .standardOutput.trimmingCharacters()
    report.line("   \(home)/instances/agent-a/config.json: model=\(a)")
    report.line("   \(home)/instances/agent-b/config.json: model=\(b)")
    report.line("   agent-a still sees the shared deploy.paused=\(shared)")
    report.record(
      "instances-side-by-side",
      passed: results.allSatisfy { $0.status == 0 } && a == "small" && b == "large" && shared == "true",
      "agent-a sees model=\(a), agent-b sees model=\(b); both still see the shared deploy.paused")
  }

  private func countEntries(_ envelope: String) -> Int {
    guard case .array(let entries)? = (try? JSONParser.parse(envelope))?["data"]?["entries"] else {
      return -1
    }
    return entries.count
  }
}

extension String {
  func trimmingCharacters() -> String {
    var text = Substring(self)
    while let last = text.last, last == "\n" || last == " " { text.removeLast() }
    return String(text)
  }
}
