import ArgumentParser
import Foundation
import TandemCLI
import TandemTestSupport
import Testing

@testable import TandemCommands

/// The README's shell examples, run as a reader would run them: every command line of its
/// shell blocks is either run here, against the built `tandem` in a temporary home, with what
/// README says it does asserted, or listed in ``excluded`` with the reason it cannot run in a
/// test. A line README gains that is neither fails ``everyLineIsRunOrExcluded()``, and a
/// line that changes no longer matches its scenario, which fails too.
///
/// The lines of one block run in README's order in one home, since they build on each other
/// (`config set` then `config get`). Steps marked `given` prepare what a line needs or look
/// at what it did; they are not README lines.
///
/// What a test machine lacks is stood in for, and said so where it is: the placeholder token
/// URL `https://login.example.com/oauth/token` becomes a loopback endpoint of the test's own
/// (`Tests/Fixtures/oauth_server.py`); `gh` and `vault-helper` are small scripts ahead in
/// `PATH` that report what `tandem` gave them; `git push` pushes to a local bare repository;
/// `swift run notes` runs the `notes` already built for the tests.
@Suite("The README's shell examples, run against the built tandem")
struct ReadmeExamplesTests {
  static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md").path

  /// The command lines of README's shell blocks.
  static func readmeLines() throws -> [ReadmeExamples.Line] {
    ReadmeExamples.lines(in: try String(contentsOfFile: readme, encoding: .utf8))
  }

  /// README lines that are not run, each with why.
  static let excluded: [String: String] = [
    #""$(scripts/build-release)" demo"#:
      "builds the static release binary (minutes); `tandem demo` itself is run by DemoTests",
    "scripts/test": "runs the whole test suite, this test included",
    "scripts/reliability": "the reliability suite, a run of its own (CI runs it)",
    "scripts/reliability --profile long": "the long reliability profile: several minutes",
    "scripts/fuzz --seconds 25": "builds the nested Fuzz package and fuzzes for minutes (CI runs it)",
    "scripts/docs": "builds the DocC catalogs with swift-docc-plugin (CI runs it)",
    "scripts/install":
      "builds the release binary and installs it; scripts/test-install checks it in a temporary prefix",
    "tandem --store 'postgresql://agent@db.internal:5432/state?sslmode=verify-full&sslrootcert=/etc/db-ca.pem' config set region=eu-west-1":
      "needs a PostgreSQL server at db.internal; StoreConformanceTests runs the same commands against the server scripts/postgres starts",
    "export PGPASSWORD='...'": "the password of a PostgreSQL server at db.internal, which a test does not have",
    "export TANDEM_STORE='postgresql://agent@db.internal:5432/state?sslmode=verify-full&sslrootcert=/etc/db-ca.pem'":
      "needs a PostgreSQL server at db.internal; StoreConformanceTests sets TANDEM_STORE to the server scripts/postgres starts",
    "tandem config get region --show-scope":
      "the line after `export TANDEM_STORE=…`, which needs a PostgreSQL server at db.internal; StoreConformanceTests runs it on one",
  ]

  /// One step of a scenario.
  enum Step: Sendable {
    /// A README line, run with `/bin/sh` as it is written (after the session's
    /// substitutions), then `then` in the same shell; `check` asserts what README says.
    case line(
      String, then: String? = nil, check: @Sendable (TandemBinary.Result, ReadmeSession) throws -> Void)
    /// Preparation, or a look at the state: not a README line.
    case given(String, @Sendable (ReadmeSession) throws -> Void)
  }

  /// The lines of one README block, in order, in one home.
  struct Scenario: Sendable, CustomTestStringConvertible {
    var name: String
    var steps: [Step]
    var testDescription: String { name }

    /// The README lines it runs.
    var readmeCommands: [String] {
      steps.compactMap { if case .line(let command, _, _) = $0 { command } else { nil } }
    }
  }

  static let scenarios: [Scenario] = [usingTandem, runningOtherTools, credentials, forToolAuthors]

  // MARK: - The scenarios

  /// "Using `tandem`": config, an instance's namespace, `lock run`, `lock status`.
  static let usingTandem = Scenario(
    name: "Using tandem",
    steps: [
      .line("tandem config set region=us-east-1 model=large") { (result, session) throws in
        // One locked transaction: both keys, revision 0 → 1.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "set region, model (shared, revision 1)\n")
        #expect(try session.values() == ["region": "us-east-1", "model": "large"])
        #expect(try session.revision() == 1)
      },
      .line("tandem config get region") { (result, _) throws in
        // The value alone, so that $(tandem config get region) is the value itself.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "us-east-1\n")
      },
      .line("tandem --output json config list") { (result, _) throws in
        #expect(result.status == 0)
        #expect(result.standardOutput.split(separator: "\n").count == 1, "one JSON envelope")
        let entries = (result.data?["entries"] as? [[String: Any]]) ?? []
        #expect(entries.map { $0["key"] as? String } == ["model", "region"])
        #expect(entries.map { $0["value"] as? String } == ["large", "us-east-1"])
        #expect(entries.allSatisfy { $0["scope"] as? String == "shared" })
        #expect((result.data?["revisions"] as? [String: Any])?["shared"] as? Int == 1)
      },
      // At revision 1: refused with exit 6, nothing applied.
      .line("tandem config set --if-revision 7 region=eu-west-1") { (result, session) throws in
        #expect(result.status == 6)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains("[CONCURRENT_MODIFICATION, exit 6]"), "\(result.standardError)")
        #expect(try session.values()["region"] == "us-east-1")
        #expect(try session.revision() == 1)
      },
      .given("the shared document brought to revision 7 by other writers") { (session) throws in
        for step in 2...7 { #expect(try session.tandem(["config", "set", "step=\(step)"]).status == 0) }
        #expect(try session.revision() == 7)
      },
      // At revision 7: applied.
      .line("tandem config set --if-revision 7 region=eu-west-1") { (result, session) throws in
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "set region (shared, revision 8)\n")
        #expect(try session.values()["region"] == "eu-west-1")
      },
      .line("tandem --instance-id agent-2 config set model=small") { (result, session) throws in
        // Written to agent-2's own document; the shared one keeps its value.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "set model (instance, revision 1)\n")
        #expect(FileManager.default.fileExists(atPath: session.home + "/instances/agent-2/config.json"))
        #expect(try session.values(instance: "agent-2")["model"] == "small")
        #expect(try session.values()["model"] == "large")
      },
      .given("a git repository with a commit to push to a local remote; its pre-push hook records the lock") {
        (session) throws in
        let setup = try session.shell(
          """
          set -e
          git init -q --bare ../origin.git
          git clone -q ../origin.git . 2>/dev/null
          git commit -q --allow-empty -m one
          git push -q -u origin HEAD 2>/dev/null
          git commit -q --allow-empty -m two
          printf '#!/bin/sh\\ntandem --output json lock status --name git-push > ../pre-push.json\\n' > .git/hooks/pre-push
          chmod +x .git/hooks/pre-push
          git rev-parse HEAD
          """)
        #expect(setup.status == 0, "\(setup.standardError)")
        session.remembered["head"] = setup.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
      },
      .line("tandem lock run --name git-push -- git push") { (result, session) throws in
        // git push's own status; the named lock was held while git ran.
        #expect(result.status == 0, "\(result.standardError)")
        let pushed = try session.shell("git --git-dir=../origin.git rev-parse HEAD")
        #expect(
          pushed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == session.remembered["head"])
        let status = session.text(session.directory.appending("pre-push.json")) ?? ""
        let data = ReadmeSession.data(ofEnvelope: status)
        #expect(data?["held"] as? Bool == true, "\(status)")
        #expect(data?["path"] as? String == session.home + "/locks/git-push.lock")
      },
      .line("tandem lock status") { (result, session) throws in
        // Free...
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "free: \(session.home)/config.json.lock\n")
      },
      .given("another process holds the lock") { (session) throws in
        let release = session.directory.appending("release")
        session.background.append(
          try TandemBinary.start([
            "--home", session.home, "lock", "run", "--", "sh", "-c",
            "while [ ! -e \(release) ]; do sleep 0.05; done",
          ]))
        var held = false
        for _ in 0..<500 where !held {
          held = try session.tandem(["lock", "status"]).data?["held"] as? Bool == true
          if !held { usleep(10_000) }
        }
        #expect(held)
      },
      .line("tandem lock status") { (result, session) throws in
        // ... or who holds it and for how long.
        #expect(result.status == 0, "\(result.standardError)")
        let pid = session.background.last.map { "\($0.pid)" } ?? "?"
        let pattern = #"^held by pid [0-9]+ \(tandem lock run -- sh -c .*\) for [0-9.]+ (ms|s): "#
        #expect(
          result.standardOutput.range(of: pattern, options: .regularExpression) != nil,
          "\(result.standardOutput)")
        #expect(result.standardOutput.hasSuffix(": \(session.home)/config.json.lock\n"))
        // The pid shown is the command's (`sh`), not that of `tandem lock run`.
        #expect(!result.standardOutput.contains("pid \(pid) "))
      },
      .given("the holder lets go") { (session) throws in
        _ = FileManager.default.createFile(atPath: session.directory.appending("release"), contents: nil)
        for process in session.background { #expect(process.wait().status == 0) }
      },
    ])

  /// "Running other tools": `run --serialize`, `run --isolate`, `env --isolate`, `--profiles`.
  static let runningOtherTools = Scenario(
    name: "Running other tools",
    steps: [
      .given("a user with a ~/.gitconfig, and a stand-in gh that shows what it was given") {
        (session) throws in
        try Data("[core]\n\teditor = from-the-user\n".utf8).write(
          to: URL(fileURLWithPath: session.user + "/.gitconfig"))
        // No gh is needed: the stand-in prints the variable `run --isolate` points into the
        // agent's namespace, and whether the tool's lock was held (`--serialize`).
        try session.installProgram(
          "gh",
          """
          printf 'GH_CONFIG_DIR=%s\\nargs=%s\\n' "$GH_CONFIG_DIR" "$*"
          tandem --output json lock status --name tool.gh > "$HOME/../gh-lock.json"
          """)
      },
      .line("tandem run --serialize -- git config --global user.name A") { (result, session) throws in
        // The user's own file, written under the tool's lock.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(session.text(session.user + "/.gitconfig")?.contains("name = A") == true)
        #expect(FileManager.default.fileExists(atPath: session.home + "/locks/tool.git.lock"))
      },
      .given("the user names themselves again") { (session) throws in
        #expect(try session.shell("git config --global user.name Reader").status == 0)
        session.remembered["gitconfig"] = session.text(session.user + "/.gitconfig")
      },
      .line("tandem --instance-id a run --isolate -- git config --global user.name A") {
        (result, session) throws in
        // a's own copy, seeded from the user's file; the user's file byte for byte unchanged.
        #expect(result.status == 0, "\(result.standardError)")
        let copy = session.text(session.home + "/instances/a/tools/git/gitconfig") ?? ""
        #expect(copy.contains("name = A") && copy.contains("editor = from-the-user"), "\(copy)")
        #expect(session.text(session.user + "/.gitconfig") == session.remembered["gitconfig"])
      },
      .line("tandem --instance-id a run --isolate --serialize -- gh auth status") {
        (result, session) throws in
        // Both: the isolated configuration, under the tool's lock.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(
          result.standardOutput == "GH_CONFIG_DIR=\(session.home)/instances/a/tools/gh/gh\nargs=auth status\n"
        )
        let status = session.text(session.directory.appending("gh-lock.json")) ?? ""
        let data = ReadmeSession.data(ofEnvelope: status)
        #expect(data?["held"] as? Bool == true, "\(status)")
      },
      .line(
        #"eval "$(tandem --instance-id a env --isolate --tool git)""#,
        then: #"printf '%s\n' "$GIT_CONFIG_GLOBAL"; git config --global user.name"#
      ) { (result, session) throws in
        // The same redirection as run --isolate, exported into the shell.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "\(session.home)/instances/a/tools/git/gitconfig\nA\n")
      },
      .line("tandem run --profiles") { (result, _) throws in
        #expect(result.status == 0, "\(result.standardError)")
        let tools = result.standardOutput.split(separator: "\n").filter { !$0.hasPrefix(" ") }
          .map { String($0.prefix { $0 != ":" }) }
        #expect(
          tools == ["git", "gh", "kubectl", "aws", "gcloud", "az", "docker", "npm", "terraform", "NAME"])
        // The variables README lists for them.
        for variable in [
          "GIT_CONFIG_GLOBAL", "GH_CONFIG_DIR", "KUBECONFIG", "AWS_CONFIG_FILE", "CLOUDSDK_CONFIG",
          "AZURE_CONFIG_DIR", "DOCKER_CONFIG", "NPM_CONFIG_USERCONFIG", "TF_CLI_CONFIG_FILE",
          "XDG_CONFIG_HOME",
          "XDG_STATE_HOME", "XDG_CACHE_HOME",
        ] {
          #expect(result.standardOutput.contains("  \(variable) -> "), "\(variable)")
        }
      },
    ])

  /// "Credentials": two logins, a token, the 401 recovery, a switch, status, list and logout.
  static let credentials = Scenario(
    name: "Credentials",
    steps: [
      .given(
        "a token endpoint for the client my-cli in place of login.example.com, a grant, and vault-helper"
      ) {
        (session) throws in
        let server = try OAuthTestServer(clientID: "my-cli")
        session.tokenServer = server
        // The README's URL is a placeholder: the test's own endpoint stands in for it.
        session.substitutions["https://login.example.com/oauth/token"] = server.tokenURL
        session.extraEnvironment["REFRESH_TOKEN"] = try server.newGrant()
        session.extraEnvironment["MY_CLI_SECRET"] = "readme-client-secret"
        // A credential helper as README describes one: the account on standard input, a token
        // set on standard output.
        try session.installProgram(
          "vault-helper",
          #"cat >/dev/null; printf '{"access_token": "vault-token-%s-%s", "expires_in": 3600}\n' "$1" "$2""#)
      },
      .line(
        "printf '%s\\n' \"$REFRESH_TOKEN\" | tandem auth login --account work --token-url https://login.example.com/oauth/token --client-id my-cli --client-secret-env MY_CLI_SECRET"
      ) { (result, session) throws in
        // The refresh token from standard input; the secret's variable name only.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "stored account work (now active)\n")
        let stored = session.text(session.home + "/credentials/work.json") ?? ""
        #expect(stored.contains(session.extraEnvironment["REFRESH_TOKEN"]!))
        #expect(!stored.contains("readme-client-secret"))
      },
      .line("tandem auth login --account ci --refresh-command 'vault-helper --role ci'") {
        (result, _) throws in
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "stored account ci\n")
      },
      .line("tandem auth token") { (result, session) throws in
        // Just the token, refreshed once at the endpoint.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(
          result.standardOutput.range(of: #"^at-1-[0-9a-f]+\n$"#, options: .regularExpression) != nil,
          "\(result.standardOutput)")
        let stats = try session.tokenServer?.stats()
        #expect(stats?["refreshes"] == 1)
      },
      .given("the account refreshed up to generation 7 (the token a 401 refused)") { (session) throws in
        for _ in 2...7 {
          let refresh = try session.tandem(["auth", "refresh"])
          #expect(refresh.status == 0)
        }
        let token = try session.tandem(["auth", "token"])
        #expect(token.data?["generation"] as? Int == 7)
      },
      .line("tandem auth refresh --if-generation 7") { (result, session) throws in
        // The cache still holds generation 7: refreshed.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("at-8-"), "\(result.standardOutput)")
        let stats = try session.tokenServer?.stats()
        #expect(stats?["refreshes"] == 8)
        session.remembered["token"] = result.standardOutput
      },
      .line("tandem auth refresh --if-generation 7") { (result, session) throws in
        // Another process refreshed since: the newer token, without contacting the provider.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == session.remembered["token"])
        let stats = try session.tokenServer?.stats()
        #expect(stats?["requests"] == 8)
      },
      .line("tandem --instance-id agent-2 auth switch --account ci") { (result, session) throws in
        // Only agent-2's active account: its token comes from the helper; the shared default
        // is still work.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "active account: ci (instance)\n")
        #expect(FileManager.default.fileExists(atPath: session.home + "/instances/agent-2/auth.json"))
        let token = try session.shell("tandem --instance-id agent-2 auth token")
        #expect(token.standardOutput == "vault-token---role-ci\n", "\(token.standardError)")
        #expect(try session.tandem(["auth", "status"]).data?["account"] as? String == "work")
      },
      .line("tandem auth status; tandem auth list; tandem auth logout --account work") {
        (result, session) throws in
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(result.standardOutput)")
        #expect(lines.first?.hasPrefix("work (shared): valid for ") == true, "\(lines)")
        #expect(lines.dropFirst().prefix(2).map { $0.split(separator: "\t").first } == ["  ci", "* work"])
        #expect(lines.last?.hasPrefix("logged out work for every instance") == true, "\(lines)")
        // No secrets in their output.
        for secret in [
          session.remembered["token"] ?? "", session.extraEnvironment["REFRESH_TOKEN"]!, "rt-", "at-",
        ] {
          #expect(!result.standardOutput.contains(secret.trimmingCharacters(in: .newlines)))
        }
        #expect(!FileManager.default.fileExists(atPath: session.home + "/credentials/work.json"))
        let accounts = (try session.tandem(["auth", "list"]).data?["accounts"] as? [[String: Any]]) ?? []
        #expect(accounts.map { $0["account"] as? String } == ["ci"])
      },
    ])

  /// "For tool authors": the example tool `notes`. `swift run notes` runs the built `notes`.
  static let forToolAuthors = Scenario(
    name: "For tool authors (notes)",
    steps: [
      .line("swift run notes add buy milk") { (result, _) throws in
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "added note 1 (shared, revision 1)\n")
      },
      .line("swift run notes --instance-id a add draft reply") { (result, _) throws in
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "added note 1 (instance, revision 1)\n")
      },
      .line("swift run notes --instance-id a list") { (result, _) throws in
        // a's notes, then the shared ones.
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "instance 1\tdraft reply\nshared 1\tbuy milk\n")
      },
      .line("swift run notes export --output notes.md") { (result, session) throws in
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "exported 1 note to notes.md\n")
        #expect(session.text(session.work + "/notes.md")?.contains("1. buy milk") == true)
        // --format json for the envelope.
        let json = try session.shell("notes export --output notes.md --format json")
        #expect(json.status == 0)
        #expect(json.envelopeProblems() == [])
        #expect(json.data?["notes"] as? Int == 1)
      },
    ])

  // MARK: - Running them

  @Test("each block's lines run in order in one home and do what README says", arguments: scenarios)
  func run(_ scenario: Scenario) throws {
    let lines = try Self.readmeLines()
    let session = try ReadmeSession()
    defer {
      session.tokenServer?.stop()
      for process in session.background { kill(process.pid, SIGKILL) }
    }
    for step in scenario.steps {
      switch step {
      case .given(_, let body):
        try body(session)
      case .line(let command, let then, let check):
        let line = try #require(
          lines.first { $0.command == command },
          "README.md no longer has this line; update the scenario: \(command)")
        let invocations = line.tandemInvocations
        for words in invocations { try Self.expectParses(words, line) }
        let result = try session.shell(session.substituted(command) + (then.map { "\n" + $0 } ?? ""))
        // A line that asks for JSON prints one valid envelope.
        if invocations.count == 1, then == nil,
          try GlobalOptions.extract(from: Array(invocations[0].dropFirst())).0.output == "json"
        {
          #expect(result.envelopeProblems() == [], "\(line)")
        }
        if let shown = line.shownOutput { #expect(result.standardOutput == shown, "\(line)") }
        try check(result, session)
      }
    }
  }

  /// Expects `words` (`tandem ...`) to parse as the tool parses it: global options taken out
  /// first, the rest through swift-argument-parser.
  static func expectParses(_ words: [String], _ line: ReadmeExamples.Line) throws {
    var arguments = Array(words.dropFirst())
    // A redirection belongs to the shell.
    if let redirect = arguments.firstIndex(where: { $0 == "<" || $0 == ">" }) {
      arguments.removeSubrange(redirect...)
    }
    let rest = try GlobalOptions.extract(from: arguments).1
    guard rest.first != "manifest" else { return }
    #expect(throws: Never.self, "\(line)") { _ = try Tandem.parseAsRoot(rest) }
  }

  @Test("every command line of README's shell blocks is run above or excluded with a reason")
  func everyLineIsRunOrExcluded() throws {
    let lines = try Self.readmeLines()
    let run = Set(Self.scenarios.flatMap(\.readmeCommands))
    for line in lines where !run.contains(line.command) && Self.excluded[line.command] == nil {
      Issue.record(
        "\(line) is neither run nor excluded: add it to a scenario of ReadmeExamplesTests with what README says it does, or to `excluded` with the reason it cannot run in a test"
      )
    }
    for command in run.intersection(Self.excluded.keys) {
      Issue.record("\(command) is both run and excluded")
    }
    for command in Self.excluded.keys where !lines.contains(where: { $0.command == command }) {
      Issue.record("excluded, but no longer in README.md: \(command)")
    }
    // The extraction itself: README has shell blocks with tandem lines.
    #expect(lines.filter { !$0.tandemInvocations.isEmpty }.count >= 15)
  }

  @Test("the extraction: continuation lines, comments, prompts and tandem invocations")
  func extraction() {
    let markdown = """
      ```sh
      # a comment line
      tandem config set a=1   # revision +1
      printf '%s\\n' "$T" | tandem auth login --account work \\
          --token-url URL
      eval "$(tandem env --isolate --tool git)"; tandem auth list
      ```
      ```swift
      tandem not shell
      ```
      ```console
      $ tandem config get a
      1
      ```
      """
    let lines = ReadmeExamples.lines(in: markdown)
    #expect(
      lines.map(\.command) == [
        "tandem config set a=1", #"printf '%s\n' "$T" | tandem auth login --account work --token-url URL"#,
        #"eval "$(tandem env --isolate --tool git)"; tandem auth list"#, "tandem config get a",
      ])
    #expect(lines.map(\.lineNumber) == [3, 4, 6, 12])
    #expect(lines[0].comment == "revision +1")
    #expect(lines[3].shownOutput == "1\n")
    #expect(
      lines[1].tandemInvocations == [["tandem", "auth", "login", "--account", "work", "--token-url", "URL"]])
    #expect(
      lines[2].tandemInvocations == [
        ["tandem", "env", "--isolate", "--tool", "git"], ["tandem", "auth", "list"],
      ])
  }
}
