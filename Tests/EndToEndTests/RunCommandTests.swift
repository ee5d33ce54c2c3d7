import Foundation
import TandemTestSupport
import Testing

/// `tandem run` makes tools that have no lock and one shared file safe, with real processes:
/// real git, and a naive Python tool (Tests/Fixtures/faketool.py). Each guarantee has its
/// control: the same calls without tandem, which lose writes or fail.
@Suite("tandem run: other tools, serialized or isolated", .serialized)
struct RunCommandTests {
  /// A fake user: a HOME with a real-looking ~/.gitconfig, and a tandem home.
  struct User {
    let directory = TemporaryDirectory("tandem-run")
    var home: String { directory.appending("user") }
    var state: String { directory.appending("state") }
    let gitconfig = "[core]\n\teditor = from-the-user\n"

    init() throws {
      try directory.write("user/.gitconfig", Data(gitconfig.utf8))
    }

    /// The environment of every call: this user, no git or tool variables of the test's.
    var environment: [String: String] {
      ["HOME": home, "XDG_CONFIG_HOME": home + "/.config", "GIT_CONFIG_NOSYSTEM": "1"]
    }

    func tandem(_ arguments: [String], instance: String? = nil) -> [String] {
      [TandemBinary.path, "--home", state] + (instance.map { ["--instance-id", $0] } ?? []) + arguments
    }

    /// Starts a shell line (one agent) with this user's environment.
    func shell(_ script: String) throws -> TandemBinary.Running {
      try TandemBinary.startProgram(
        "/bin/sh", ["-c", script],
        environment: environment.merging(["TANDEM": TandemBinary.path, "STATE": state]) { $1 })
    }
  }

  static let faketool = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("Fixtures/faketool.py").path

  @Test(
    "8 agents set git config --global user.name through run --isolate: each reads its own, the user's file untouched"
  )
  func gitIsolated() throws {
    let user = try User()
    let agents = (1...8).map { "agent-\($0)" }
    let runs = try agents.map { id in
      try user.shell(
        "\"$TANDEM\" --home \"$STATE\" --instance-id \(id) run --isolate -- git config --global user.name NAME_\(id) && "
          + "\"$TANDEM\" --home \"$STATE\" --instance-id \(id) run --isolate -- git config --global user.name && "
          + "\"$TANDEM\" --home \"$STATE\" --instance-id \(id) run --isolate -- git config --global core.editor"
      )
    }
    for (id, run) in zip(agents, runs) {
      let result = run.wait()
      #expect(result.status == 0, "\(id): \(result.standardError)")
      // Its own name, and the user's setting seen by every agent.
      #expect(result.standardOutput == "NAME_\(id)\nfrom-the-user\n", "\(id): \(result.standardOutput)")
    }
    #expect(user.directory.contents("user/.gitconfig") == Data(user.gitconfig.utf8), "the real file changed")
    // Each namespace's file is private.
    var info = stat()
    #expect(stat(user.state + "/instances/agent-1/tools/git/gitconfig", &info) == 0)
    #expect(info.st_mode & 0o077 == 0)
  }

  @Test("control: the same 8 concurrent git config --global calls without tandem fail or lose writes")
  func gitControl() throws {
    let user = try User()
    // Distinct keys, so that every write should survive: git's config.lock makes some calls
    // fail at once (exit 255) instead of waiting. The agents start together (they wait for
    // a file) and write 5 keys each, so that they overlap even on a loaded machine, where
    // processes started one after the other may each finish before the next begins.
    var lost = 0
    for round in 0..<5 {
      try user.directory.write("user/.gitconfig", Data(user.gitconfig.utf8))
      let go = user.directory.appending("go-\(round)")
      let runs = try (1...8).map { index in
        try user.shell(
          "while [ ! -e '\(go)' ]; do sleep 0.005; done; "
            + "for i in 1 2 3 4 5; do git config --global agent.key\(index)x$i v || echo failed; done")
      }
      try user.directory.write("go-\(round)", Data())
      let failed = runs.map { $0.wait().standardOutput.components(separatedBy: "failed").count - 1 }
        .reduce(0, +)
      let list = try TandemBinary.startProgram(
        "/bin/sh", ["-c", "git config --global --list"], environment: user.environment
      )
      .wait().standardOutput
      let kept = (1...8).flatMap { index in (1...5).map { (index, $0) } }
        .filter { list.contains("agent.key\($0.0)x\($0.1)=v") }.count
      lost += failed + (40 - kept)
      if lost > 0 { break }
    }
    #expect(
      lost > 0,
      "8 agents x 5 concurrent git config --global writes all survived 5 times: the control shows nothing")
  }

  @Test(
    "16 agents x 10 writes of a naive tool through run --serialize keep all 160 keys; without tandem some are lost"
  )
  func naiveToolSerialized() throws {
    let user = try User()
    let agents = (1...16).map { agent in
      try! user.shell(
        "for i in 1 2 3 4 5 6 7 8 9 10; do \"$TANDEM\" --home \"$STATE\" --lock-timeout 60s run --serialize --tool faketool -- "
          + "python3 \(Self.faketool) set a\(agent)k$i v || exit 1; done")
    }
    for agent in agents { #expect(agent.wait().status == 0) }
    let config = try #require(user.directory.contents("user/.faketool/config.json"))
    let keys = try #require(try JSONSerialization.jsonObject(with: config) as? [String: Any])
    #expect(keys.count == 160, "\(keys.count) of 160 keys kept")

    // Control: the same writes without tandem.
    let control = try User()
    let naive = (1...16).map { agent in
      try! control.shell(
        "for i in 1 2 3 4 5 6 7 8 9 10; do python3 \(Self.faketool) set a\(agent)k$i v; done")
    }
    for agent in naive { _ = agent.wait() }
    let naiveKeys =
      (try? JSONSerialization.jsonObject(
        with: control.directory.contents("user/.faketool/config.json") ?? Data()) as? [String: Any])?.count
      ?? 0
    #expect(naiveKeys < 160, "without tandem all 160 keys survived: the control shows nothing")
  }

  @Test("env --isolate, sourced by a shell, gives the same redirections as run --isolate")
  func envMatchesRun() throws {
    let user = try User()
    for tool in ["git", "gh", "aws", "az", "somecli"] {
      let viaRun = try user.shell(
        "\"$TANDEM\" --home \"$STATE\" --instance-id a run --isolate --tool \(tool) -- env"
      ).wait()
      let viaEnv = try user.shell(
        "eval \"$(\"$TANDEM\" --home \"$STATE\" --instance-id a env --isolate --tool \(tool))\" && env"
      ).wait()
      #expect(
        viaRun.status == 0 && viaEnv.status == 0, "\(tool): \(viaRun.standardError) \(viaEnv.standardError)")
      let json = try user.shell(
        "\"$TANDEM\" --home \"$STATE\" --instance-id a --output json env --isolate --tool \(tool)"
      ).wait()
      let envelope = try #require(
        try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
      let variables = try #require((envelope["data"] as? [String: Any])?["variables"] as? [String: String])
      #expect(!variables.isEmpty)
      for (name, value) in variables {
        #expect(viaRun.standardOutput.contains("\n\(name)=\(value)\n"), "\(tool): run lacks \(name)=\(value)")
        #expect(viaEnv.standardOutput.contains("\n\(name)=\(value)\n"), "\(tool): env lacks \(name)=\(value)")
      }
    }
  }

  @Test("a shared credential file is never copied, and isolated calls that touch it are serialized")
  func sharedCredentials() throws {
    let user = try User()
    try user.directory.write("user/.faketool/credentials.json", Data(#"{"generation": 0}"#.utf8))
    let profile = """
      {"tool": "faketool", "summary": "the test tool",
       "locations": [
         {"variable": "FAKETOOL_CONFIG", "kind": "file", "name": "config.json",
          "seed_from": ["~/.faketool/config.json"]},
         {"variable": "FAKETOOL_CREDENTIALS", "kind": "file", "name": "credentials.json",
          "seed_from": ["~/.faketool/credentials.json"], "shared": true}]}
      """
    try user.directory.write("state/profiles/faketool.json", Data(profile.utf8))
    // 8 agents, each in its own namespace, refresh 5 times each: isolated, not --serialize.
    let agents = (1...8).map { agent in
      try! user.shell(
        "for i in 1 2 3 4 5; do \"$TANDEM\" --home \"$STATE\" --instance-id agent-\(agent) --lock-timeout 60s "
          + "run --isolate --tool faketool -- python3 \(Self.faketool) refresh || exit 1; done")
    }
    for agent in agents { #expect(agent.wait().status == 0) }
    let credentials = try #require(user.directory.contents("user/.faketool/credentials.json"))
    let generation =
      (try JSONSerialization.jsonObject(with: credentials) as? [String: Any])?["generation"] as? Int
    #expect(generation == 40, "the real credential file counts \(generation ?? -1) of 40 refreshes")
    for agent in 1...8 {
      let tools = user.directory.entries("state/instances/agent-\(agent)/tools/faketool")
      #expect(!tools.contains("credentials.json"), "agent-\(agent) has a copy of the credential file")
    }
  }

  @Test(
    "a symbolic link planted in the namespace, before or after seeding: exit 4, nothing written out of the home"
  )
  func plantedSymlink() throws {
    let user = try User()
    let outside = user.directory.appending("outside")
    try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    // Before the first use: `instances/a/tools` leads out of the home.
    try FileManager.default.createDirectory(
      atPath: user.state + "/instances/a", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: user.state + "/instances/a/tools", withDestinationPath: outside)
    let before = try user.shell(
      "\"$TANDEM\" --home \"$STATE\" --instance-id a --output json run --isolate -- git config --global user.name A"
    ).wait()
    #expect(
      before.status == 4 && before.standardOutput.contains("UNSAFE_STATE_PATH"), "\(before.standardOutput)")
    #expect(user.directory.entries("outside").isEmpty, "written out of the home")
    // After seeding: the tool's own directory replaced by a link.
    let seeded = try user.shell(
      "\"$TANDEM\" --home \"$STATE\" --instance-id b run --isolate -- git config --global user.name B"
    ).wait()
    #expect(seeded.status == 0, "\(seeded.standardError)")
    let tool = user.state + "/instances/b/tools/git"
    try FileManager.default.removeItem(atPath: tool)
    try FileManager.default.createSymbolicLink(atPath: tool, withDestinationPath: outside)
    let after = try user.shell(
      "\"$TANDEM\" --home \"$STATE\" --instance-id b --output json run --isolate -- git config --global user.name C"
    ).wait()
    #expect(
      after.status == 4 && after.standardOutput.contains("UNSAFE_STATE_PATH"), "\(after.standardOutput)")
    #expect(user.directory.entries("outside").isEmpty, "written out of the home")
  }

  @Test("a tool name too long for the tool's locks is refused as a tool name (48 characters and more)")
  func toolNameLength() throws {
    let user = try User()
    let longest = String(repeating: "t", count: 47)
    let ok = try user.shell(
      "\"$TANDEM\" --home \"$STATE\" --instance-id a run --serialize --isolate --tool \(longest) -- true"
    ).wait()
    #expect(ok.status == 0, "\(ok.standardError)")
    let marker = user.directory.appending("ran")
    var envelopes: [(String, Int32)] = []
    // 48 characters: the credential lock's name would be too long; 60: the tool lock's too.
    for length in [48, 60, 64] {
      let name = String(repeating: "t", count: length)
      for command in ["run --serialize --tool \(name) -- touch \(marker)", "env --isolate --tool \(name)"] {
        let refused = try user.shell(
          "\"$TANDEM\" --home \"$STATE\" --instance-id a --output json \(command)"
        ).wait()
        envelopes.append((refused.standardOutput, refused.status))
        #expect(refused.status == 2 && refused.standardOutput.contains("is not a tool name"), "\(command)")
        #expect(
          refused.standardOutput.contains("at most 47") && !refused.standardOutput.contains("lock name"))
      }
    }
    // A profile of its own with such a name and a shared credential file is refused as a
    // profile, not at the credential lock of every call.
    let name = String(repeating: "p", count: 50)
    let profile = """
      {"tool": "\(name)", "locations": [{"variable": "P_CREDENTIALS", "kind": "file", "name": "c.json",
       "seed_from": ["~/.p/c.json"], "shared": true}]}
      """
    try user.directory.write("state/profiles/\(name).json", Data(profile.utf8))
    let invalid = try user.shell(
      "\"$TANDEM\" --home \"$STATE\" --instance-id a --output json run --isolate --tool \(name) -- true"
    ).wait()
    envelopes.append((invalid.standardOutput, invalid.status))
    #expect(invalid.status != 0 && !invalid.standardOutput.contains("lock name"), "\(invalid.standardOutput)")
    #expect(try SchemaValidator.validateEnvelopes(envelopes) == [])
    #expect(!FileManager.default.fileExists(atPath: marker))
  }

  @Test(
    "a FIFO where a profile or a file to seed should be is refused at once, not read forever under the tool's lock"
  )
  func fifoNeverBlocks() throws {
    let user = try User()
    try user.directory.write("state/profiles/.keep", Data())
    #expect(mkfifo(user.directory.appending("state/profiles/pipe.json"), 0o600) == 0)
    // `timeout` ends a call that blocks; 124 would be its status then.
    let listed = try user.shell("timeout 20 \"$TANDEM\" --home \"$STATE\" --output json run --profiles")
      .wait()
    #expect(listed.status != 124 && listed.status != 0, "\(listed.standardOutput)")
    #expect(listed.standardOutput.contains("not a regular file"))

    try FileManager.default.removeItem(atPath: user.directory.appending("state/profiles/pipe.json"))
    #expect(mkfifo(user.directory.appending("user/.seedpipe"), 0o600) == 0)
    let profile = """
      {"tool": "piped", "locations": [{"variable": "PIPED_CONFIG", "kind": "file", "name": "config",
       "seed_from": ["~/.seedpipe"]}]}
      """
    try user.directory.write("state/profiles/piped.json", Data(profile.utf8))
    let seeded = try user.shell(
      "timeout 20 \"$TANDEM\" --home \"$STATE\" --instance-id a --output json run --isolate --tool piped -- true"
    ).wait()
    #expect(seeded.status != 124 && seeded.status != 0, "\(seeded.standardOutput)")
    #expect(seeded.standardOutput.contains("not a regular file"))
    #expect(
      try SchemaValidator.validateEnvelopes([listed, seeded].map { ($0.standardOutput, $0.status) }) == [])
    let status = try user.shell("\"$TANDEM\" --home \"$STATE\" --output json lock status --name tool.piped")
      .wait()
    #expect(status.standardOutput.contains("\"held\":false"), "\(status.standardOutput)")
  }

  @Test("bad input: no instance id for --isolate, no mode, an invalid user profile: clear errors")
  func errors() throws {
    let user = try User()
    let noInstance = try user.shell("\"$TANDEM\" --home \"$STATE\" run --isolate -- true").wait()
    #expect(noInstance.status == 2 && noInstance.standardError.contains("--isolate needs an instance id"))
    let noMode = try user.shell("\"$TANDEM\" --home \"$STATE\" run -- true").wait()
    #expect(noMode.status == 2 && noMode.standardError.contains("--serialize, --isolate, or both"))
    try user.directory.write("state/profiles/broken.json", Data(#"{"tool": "broken", "locations": []}"#.utf8))
    let broken = try user.shell(
      "\"$TANDEM\" --home \"$STATE\" --instance-id a --output json run --isolate --tool broken -- true"
    ).wait()
    #expect(broken.status == 4, "\(broken.standardOutput)")
    #expect(broken.standardOutput.contains("INVALID_PROFILE") && broken.standardOutput.contains("locations"))
    // The tool's lock held by another process: exit 6 with the holder, CMD not run.
    let holder = try user.shell("\"$TANDEM\" --home \"$STATE\" lock run --name tool.git -- sleep 3")
    var held = false
    for _ in 0..<300 where !held {
      let status = try user.shell("\"$TANDEM\" --home \"$STATE\" --output json lock status --name tool.git")
        .wait()
      held = status.standardOutput.contains("\"held\":true")
      if !held { usleep(10_000) }
    }
    #expect(held)
    let marker = user.directory.appending("ran")
    let refused = try user.shell(
      "\"$TANDEM\" --home \"$STATE\" --output json --lock-timeout 0 run --serialize --tool git -- touch \(marker)"
    ).wait()
    #expect(refused.status == 6, "\(refused.standardOutput)")
    #expect(
      refused.standardOutput.contains("\"reason\":\"lock_timeout\"")
        && refused.standardOutput.contains("\"holder\":{"))
    #expect(!FileManager.default.fileExists(atPath: marker), "the command ran without the lock")
    _ = holder.wait()
    // The command's own status passes through.
    let status = try user.shell("\"$TANDEM\" --home \"$STATE\" run --serialize -- sh -c 'exit 3'").wait()
    #expect(status.status == 3)
  }
}
