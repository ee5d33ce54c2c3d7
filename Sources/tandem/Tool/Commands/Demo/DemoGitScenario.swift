/// 2. `git commit` in one repository: agents each commit files of their own, at the same
/// time. Without tandem, git refuses to run while another git holds `.git/index.lock`
/// ("Unable to create '.../index.lock': File exists"), and the agent's change is not
/// committed. With tandem each agent's `git add` + `git commit` runs under
/// `tandem lock run --name demo-repo`, one at a time.
struct DemoGitScenario: DemoScenario {
  let workspace: DemoWorkspace
  let agents = 4
  let commits = 5

  private var expected: Int { agents * commits }

  func run(_ narration: DemoNarration) throws(DemoInterruption.Interrupted) -> DemoScenarioResult {
    narration.line(
      "2. git: \(agents) agents each commit \(commits) files of their own in one repository, at the same time."
    )
    var result = DemoScenarioResult(
      name: "git-commit", title: "git commit, one repository", agents: agents, eachAgent: "\(commits) commits"
    )
    guard workspace.find("git") != nil else {
      result.skipped =
        "git is not installed here (install it, e.g. apt-get install git, to see this scenario)"
      narration.line("   skipped: " + result.skipped!)
      return result
    }
    let repository = workspace.path("repository")
    if let problem = createRepository(repository) {
      result.skipped = "the demo could not create its git repository: \(problem)"
      narration.line("   skipped: " + result.skipped!)
      return result
    }
    result.withoutTandem = try side(
      narration, repository: repository, prefix: "without", step: #"git add "$f" && git commit -q -m "$m""#,
      shown: "git add FILE && git commit")
    result.withTandem = try side(
      narration, repository: repository, prefix: "with",
      step: #""$1" lock run --name demo-repo -- sh -c 'git add "$1" && git commit -q -m "$2"' sh "$f" "$m""#,
      shown: "tandem lock run --name demo-repo -- sh -c 'git add FILE && git commit'")
    return result
  }

  /// A repository with one commit, configured by the directory's own git configuration.
  /// Returns what went wrong, or nil.
  private func createRepository(_ repository: String) -> String? {
    do {
      try DemoFile.write(
        """
        [user]
        \tname = tandem demo
        \temail = demo@tandem.invalid
        [init]
        \tdefaultBranch = main
        [commit]
        \tgpgsign = false
        [gc]
        \tauto = 0
        [maintenance]
        \tauto = false

        """, to: workspace.path("gitconfig"))
    } catch {
      return "cannot write \(workspace.path("gitconfig"))"
    }
    let created = workspace.agent(
      #"git init -q "$2" && cd "$2" && git commit -q --allow-empty -m "the demo's repository""#, [repository]
    ).wait()
    return created.status == 0 ? nil : "git init exited \(created.status): \(created.standardError.lastLine)"
  }

  /// The agents commit their files with `step` (which sees the file as `$f` and the message
  /// as `$m`); the result counts the files that reached the branch.
  private func side(
    _ narration: DemoNarration, repository: String, prefix: String, step: String, shown: String
  ) throws(DemoInterruption.Interrupted) -> DemoSide {
    let withTandem = prefix == "with"
    narration.line("   \(withTandem ? "with" : "without") tandem: each agent runs `\(shown)`")
    // Prints "<commits> <failures> <index.lock failures>" and, on the next lines, the first
    // failure's first line.
    let script = """
      cd "$2" || exit 1
      ok=0 failed=0 locked=0 first=
      i=1
      while [ "$i" -le "$4" ]; do
        f=\(prefix)-$3-$i.txt m="agent $3, change $i"
        echo "$m" > "$f"
        if err=$( { \(step); } 2>&1 >/dev/null ); then
          ok=$((ok + 1))
        else
          failed=$((failed + 1))
          case $err in *index.lock*) locked=$((locked + 1)) ;; esac
          [ -n "$first" ] || first=$(printf '%s\\n' "$err" | head -n 1)
        fi
        i=$((i + 1))
      done
      echo "$ok $failed $locked"
      printf '%s\\n' "$first"
      """
    let results = try DemoProcess.waitAll(
      (1...agents).map { workspace.agent(script, [repository, String($0), String(commits)]) })
    var failed = 0
    var locked = 0
    var firstError = ""
    for result in results {
      let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
      let words = lines.first?.split(separator: " ").compactMap { Int($0) } ?? []
      guard result.status == 0, words.count == 3 else {
        failed += commits
        if firstError.isEmpty {
          firstError = "an agent exited \(result.status): " + result.standardError.lastLine
        }
        continue
      }
      failed += words[1]
      locked += words[2]
      if firstError.isEmpty, lines.count > 1 { firstError = String(lines[1]) }
    }
    let listed = workspace.agent(#"cd "$2" && git ls-files -- "$3-*.txt""#, [repository, prefix]).wait()
    let kept = min(listed.standardOutput.split(separator: "\n").count, expected)
    var side = DemoSide(
      expected: expected, kept: kept, failedCommands: failed, indexLockFailures: locked, summary: "")
    side.summary = "\(kept) of \(expected) kept, \(failed) git errors"
    if withTandem {
      side.held = side.lost == 0 && failed == 0
      narration.line(
        "     -> \(kept) of \(expected) changes committed, \(failed) git commands failed"
          + (side.held == true
            ? ": nothing lost, no index.lock failure" : ": CHANGES WERE LOST (\(firstError))"))
    } else {
      if kept == expected && failed == 0 { side.summary = "no loss this time" }
      narration.line(
        "     -> \(kept) of \(expected) changes committed; \(DemoNarration.count(failed, "git command")) failed, "
          + "\(locked) of them on .git/index.lock"
          + (failed == 0 ? ": no loss this time (races are timing-dependent)" : ""))
      if !firstError.isEmpty { narration.line("        e.g. \(firstError)") }
    }
    return side
  }
}
