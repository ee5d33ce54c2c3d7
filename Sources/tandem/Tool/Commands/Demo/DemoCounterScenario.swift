/// 1. A read-modify-write counter: agents each add 1 to a shared counter, several times, at
/// the same time. Without tandem they read a file, think, and write it back, and overwrite
/// each other's increments. With tandem the counter is a key of the shared config: each
/// agent reads it with its revision and writes with `--if-revision`, so that a write based
/// on a stale read is refused (exit 6) and the agent reads again.
struct DemoCounterScenario: DemoScenario {
  let workspace: DemoWorkspace
  let agents = 4
  let increments = 10
  /// How long an agent "thinks" between reading and writing, as a tool that does some work
  /// does; the same on both sides.
  let think = "0.005"  // seconds, for sleep(1): 5 ms

  private var expected: Int { agents * increments }

  func run(_ narration: DemoNarration) throws(DemoInterruption.Interrupted) -> DemoScenarioResult {
    narration.line(
      "1. A read-modify-write counter: \(agents) agents each add 1, \(increments) times, at the same time.")
    var result = DemoScenarioResult(
      name: "read-modify-write", title: "read-modify-write counter", agents: agents,
      eachAgent: "\(increments) increments")
    result.withoutTandem = try withoutTandem(narration)
    result.withTandem = try withTandem(narration)
    return result
  }

  /// Each agent: read counter.txt, think, write the number plus one back.
  private func withoutTandem(_ narration: DemoNarration) throws(DemoInterruption.Interrupted) -> DemoSide {
    narration.line(
      "   without tandem: each agent reads counter.txt, thinks 5 ms, writes the number + 1 back")
    let file = workspace.path("counter.txt")
    do {
      try DemoFile.write("0\n", to: file)
    } catch {
      return failedSetup("cannot write \(file)", nil, narration)
    }
    let script = """
      i=0
      while [ "$i" -lt "$3" ]; do
        n=$(cat "$2"); case $n in ''|*[!0-9]*) n=0 ;; esac
        sleep "$4"
        echo $((n + 1)) > "$2"
        i=$((i + 1))
      done
      """
    let results = try DemoProcess.waitAll(
      (1...agents).map { _ in workspace.agent(script, [file, String(increments), think]) })
    let failed = results.filter { $0.status != 0 }.count
    let value = DemoFile.number(file)
    let kept = min(value ?? 0, expected)
    var side = DemoSide(expected: expected, kept: kept, failedCommands: failed, summary: "")
    side.summary = "\(kept) of \(expected) kept, \(side.lost) lost"
    narration.line(
      "     -> the counter ends at \(value.map(String.init) ?? "an unreadable value") of \(expected): "
        + (side.lost > 0
          ? "\(DemoNarration.count(side.lost, "increment")) lost"
          : "no loss this time (races are timing-dependent)"))
    if side.lost == 0 && failed == 0 { side.summary = "no loss this time" }
    return side
  }

  /// Each agent: `config get` (value and revision), think, `config set --if-revision`,
  /// again after a refusal.
  private func withTandem(_ narration: DemoNarration) throws(DemoInterruption.Interrupted) -> DemoSide {
    narration.line(
      "   with tandem: each agent reads the key with `tandem config get`, thinks, writes it with\n"
        + "   `tandem config set --if-revision N` and, refused with exit 6 (another agent wrote first),\n"
        + "   reads again")
    let setup = workspace.tandem(["config", "set", "demo.counter=0"]).wait()
    guard setup.status == 0 else {
      return failedSetup(
        "tandem config set demo.counter=0 exited \(setup.status)", setup, narration, withTandem: true)
    }
    // Prints "<increments applied> <writes refused> <error>"; the value and revision are cut
    // out of `config get`'s JSON envelope with the shell's own pattern removal.
    let script = """
      done=0 refused=0 tries=0
      while [ "$done" -lt "$2" ] && [ "$tries" -lt "$3" ]; do
        tries=$((tries + 1))
        out=$("$1" --output json config get demo.counter) || { echo "$done $refused get-failed"; exit 1; }
        n=${out#*\\"value\\":\\"}; n=${n%%\\"*}
        r=${out#*\\"revision\\":}; r=${r%%[!0-9]*}
        sleep "$4"
        "$1" config set --if-revision "$r" "demo.counter=$((n + 1))" >/dev/null 2>&1
        case $? in
          0) done=$((done + 1)) ;;
          6) refused=$((refused + 1)) ;;
          *) echo "$done $refused set-failed"; exit 1 ;;
        esac
      done
      echo "$done $refused"
      """
    // An agent gives up after this many tries: each refusal means another agent's write was
    // applied, so even the unluckiest agent needs far fewer.
    let tries = 20 * expected
    let results = try DemoProcess.waitAll(
      (1...agents).map { _ in workspace.agent(script, [String(increments), String(tries), think]) })
    var refused = 0
    var failed = 0
    for result in results {
      let words = result.standardOutput.split(whereSeparator: { $0 == " " || $0 == "\n" })
      refused += words.count > 1 ? Int(words[1]) ?? 0 : 0
      if result.status != 0 || words.count != 2 { failed += 1 }
    }
    let read = workspace.tandem(["config", "get", "demo.counter"]).wait()
    let value = read.status == 0 ? Int(read.standardOutput.trimmingTrailingWhiteSpace()) : nil
    let kept = min(value ?? 0, expected)
    var side = DemoSide(
      expected: expected, kept: kept, failedCommands: failed, staleWritesRefused: refused, summary: "")
    side.held = side.lost == 0 && failed == 0 && value == expected
    side.summary = "\(kept) of \(expected) kept, \(side.lost) lost"
    narration.line(
      "     -> the key ends at \(value.map(String.init) ?? "an unreadable value") of \(expected): "
        + (side.held == true
          ? "nothing lost; tandem refused \(DemoNarration.count(refused, "stale write")), which their agents retried"
          : "\(side.lost) INCREMENTS WERE LOST, \(failed) agents failed"
            + (results.first(where: { $0.status != 0 }).map { ": " + $0.standardOutput.lastLine } ?? "")))
    return side
  }

  /// A side that could not start. With tandem that fails the demo (`held` false): the
  /// guarantee was not shown.
  private func failedSetup(
    _ what: String, _ result: DemoProcess.Result?, _ narration: DemoNarration, withTandem: Bool = false
  ) -> DemoSide {
    let errors = result?.standardError.lastLine ?? ""
    let detail = what + (errors.isEmpty ? "" : ": " + errors)
    narration.line("     -> FAILED: " + detail)
    return DemoSide(
      expected: expected, kept: 0, failedCommands: 1, held: withTandem ? false : nil,
      summary: "failed: " + detail)
  }

}
