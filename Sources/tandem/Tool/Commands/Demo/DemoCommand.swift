import ArgumentParser
import TandemCLI
import TandemState

/// `tandem demo`: the problem tandem solves and its solution, shown with real concurrent
/// processes: the same agents without tandem (lost updates, `index.lock` failures, agents
/// logged out by a rotating refresh token) and with it (nothing lost, one refresh).
struct DemoCommand: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Show concurrent agents losing work without tandem, then the same agents with tandem.",
    discussion: """
      Three scenarios, each run first without tandem, then with it, by real concurrent \
      processes: (1) agents adding 1 to a shared counter (read, think, write back), then the \
      same through `config get` and `config set --if-revision`, retried on exit 6; (2) agents \
      committing in one git repository, failing on .git/index.lock, then under `lock run`; \
      (3) agents getting an OAuth access token from a provider that rotates refresh tokens, \
      each refreshing (all but one logged out), then through `auth token` (one refresh, one \
      token for all). The token endpoint is the demo's own, on 127.0.0.1 at a port the \
      kernel picks, for the demo's duration only. It ends with a summary table (in JSON: \
      `scenarios`). A race without tandem may not show on a given run: the demo then says \
      "no loss this time" rather than invent one. A scenario whose program is missing (git; \
      curl, which tandem's OAuth refresh runs) is reported as skipped.

      Everything happens in a new temporary directory under $TMPDIR (or /tmp), removed at \
      the end (--keep keeps it and prints where). The demo writes config keys, logs in an \
      account and makes git commits: in your home they would stay in your state. So \
      --home, --instance-id, --lock-timeout and --store are refused (exit 2) rather than ignored, and \
      your TANDEM_* and GIT_* variables (TANDEM_HOME, TANDEM_INSTANCE_ID, GIT_DIR, ...) are \
      not passed to its agents. --output json is honoured.

      Exit 0 when every scenario with tandem kept everything; exit 1 with \
      DEMO_GUARANTEE_BROKEN if one lost anything (the scenarios are in the error's details).
      """
  )

  @Flag(help: "Keep the temporary directory and print its path.") var keep = false

  /// The code the demo fails with when a scenario with tandem lost something.
  static let guaranteeBroken = StateError.Code("DEMO_GUARANTEE_BROKEN")

  func execute(in context: CommandContext) throws -> DemoOutcome {
    try refuseStateOptions(context)
    DemoInterruption.install()
    let workspace = try DemoWorkspace.create()
    let narration = DemoNarration(streaming: context.options.output == .text)
    narration.line("tandem demo: the same concurrent agents without tandem, then with it.")
    narration.line(
      "Everything happens in \(workspace.directory)"
        + (keep ? " (kept at the end)." : " (removed at the end)."))

    var scenarios: [DemoScenarioResult] = []
    var interruption: DemoInterruption.Interrupted?
    let stories: [any DemoScenario] = [
      DemoCounterScenario(workspace: workspace), DemoGitScenario(workspace: workspace),
      DemoTokenScenario(workspace: workspace),
    ]
    do throws(DemoInterruption.Interrupted) {
      for story in stories {
        narration.line()
        let start = ContinuousClock.now
        var result = try story.run(narration)
        result.durationMs = (ContinuousClock.now - start).wholeMilliseconds
        scenarios.append(result)
      }
    } catch {
      interruption = error
    }

    let removed = keep ? false : workspace.remove()
    if !keep && !removed {
      context.warn(
        "the demo's temporary directory \(workspace.directory) could not be removed: remove it with rm -rf")
    }
    if let interruption {
      throw interruption.failure(directory: workspace.directory, kept: keep, removed: removed)
    }

    narration.line()
    narration.line("Summary:")
    narration.line(DemoSummaryTable.render(scenarios))
    if keep {
      narration.line("\nThe temporary directory is kept: \(workspace.directory) (remove it with rm -rf).")
    }
    try Self.verdict(scenarios, directory: workspace.directory, kept: keep)
    return DemoOutcome(directory: workspace.directory, kept: keep, scenarios: scenarios)
  }

  /// Fails with ``guaranteeBroken`` if a scenario with tandem lost anything.
  static func verdict(_ scenarios: [DemoScenarioResult], directory: String, kept: Bool) throws {
    let broken = scenarios.filter { !$0.guaranteeHeld }
    guard broken.isEmpty else {
      var failure = CommandFailure(
        code: guaranteeBroken.rawValue, exitCode: .generalError,
        message: "with tandem, the agents still lost work in: \(broken.map(\.name).joined(separator: ", ")); "
          + "tandem guarantees that nothing is lost, so this is a bug or a broken installation")
      failure.fixRequired =
        "run tandem demo --keep to keep the temporary directory and inspect it, and report the details"
      failure.details = [
        ("directory", .string(directory)), ("kept", .bool(kept)),
        ("scenarios", try ResultEncoder.encode(scenarios)),
      ]
      throw failure
    }
  }

  /// The demo works only in its own temporary directory: options that choose whose state to
  /// use, or how long to wait for it, are refused rather than silently ignored.
  private func refuseStateOptions(_ context: CommandContext) throws {
    let given = context.explicitGlobals
    let names = context.optionNames
    let refused: [(GlobalOptions.Name, String?)] = [
      (.home, given.home), (.instanceID, given.instanceID), (.lockTimeout, given.lockTimeout),
      (.store, given.store),
    ]
    guard let (name, value) = refused.first(where: { $0.1 != nil }), let value else { return }
    // A store URL is not repeated: it may hold a secret.
    let shown = name == .store ? "" : " (given \(InstanceID.quoted(value)))"
    var failure = CommandFailure.usage(
      "tandem demo does not take \(names.flag(name))\(shown): it always runs in a "
        + "new temporary directory of its own, so that it never touches your state")
    failure.fixRequired =
      "run tandem demo without \(names.flag(name)); add --keep to keep the demo's directory and look inside"
    failure.fixCommand = "\(context.toolName) demo" + (keep ? " --keep" : "")
    failure.details.append(("option", .string(names.flag(name))))
    throw failure
  }
}

/// What `demo` answers: where it ran and how each scenario went. Its text is empty: text
/// mode printed the narration and the summary table as the scenarios ran.
struct DemoOutcome: CommandResult {
  /// The temporary directory.
  let directory: String
  /// Whether it was kept (`--keep`); otherwise it has been removed.
  let kept: Bool
  /// Whether every scenario with tandem kept everything: always true in a success.
  let guaranteesHeld = true
  let scenarios: [DemoScenarioResult]

  var text: String? { "" }
}
