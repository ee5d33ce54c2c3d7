import Foundation
import TandemTestSupport
import Testing

@Suite("config, instances and input handling through the binary", .serialized)
struct ConfigCommandTests {
  @Test("set, get, unset and list, with revisions; a missing key is exit 5")
  func basics() throws {
    let home = Home()
    let set = try home.run(["config", "set", "region=us-east-1", "url=https://x?a=b=c"])
    #expect(set.status == 0 && set.data?["revision"] as? Int == 1)
    let get = try home.run(["config", "get", "url"])
    #expect(get.data?["value"] as? String == "https://x?a=b=c")
    #expect(get.data?["scope"] as? String == "shared" && get.data?["revision"] as? Int == 1)
    #expect(try home.run(["config", "get", "region"], json: false).standardOutput == "us-east-1\n")
    let missing = try home.run(["config", "get", "nope"])
    #expect(missing.status == 5 && missing.errorCode == "NOT_FOUND")
    #expect(missing.error?["fix_command"] is String)
    let unsetMissing = try home.run(["config", "unset", "region", "nope"])
    #expect(unsetMissing.status == 5)
    #expect(
      try home.values() == ["region": "us-east-1", "url": "https://x?a=b=c"], "a failed unset removes nothing"
    )
    #expect(try home.run(["config", "unset", "region", "--if-revision", "1"]).data?["revision"] as? Int == 2)
    #expect(try home.run(["config", "unset", "url", "--if-revision", "1"]).status == 6)
    #expect(try home.values() == ["url": "https://x?a=b=c"])
  }

  @Test("global options before or after the subcommand; flags beat environment variables")
  func globalPositions() throws {
    let home = Home()
    #expect(
      try TandemBinary.run(["--home", home.path, "--instance-id", "a", "config", "set", "k=before"]).status
        == 0)
    #expect(
      try TandemBinary.run(["config", "set", "k=after", "--instance-id", "b", "--home", home.path]).status
        == 0)
    #expect(try home.run(["config", "get", "k"], instance: "a").data?["value"] as? String == "before")
    #expect(try home.run(["config", "get", "k"], instance: "b").data?["value"] as? String == "after")
    let viaEnv = try TandemBinary.run(
      ["config", "get", "k"],
      environment: ["TANDEM_HOME": home.path, "TANDEM_INSTANCE_ID": "a", "TANDEM_OUTPUT": "json"])
    #expect(viaEnv.data?["value"] as? String == "before")
    let flagWins = try TandemBinary.run(
      ["config", "get", "k", "--instance-id", "b"],
      environment: ["TANDEM_HOME": home.path, "TANDEM_INSTANCE_ID": "a", "TANDEM_OUTPUT": "json"])
    #expect(flagWins.data?["value"] as? String == "after")
  }

  @Test("instances: layered reads, --scope, isolation, list and remove")
  func instances() throws {
    let home = Home()
    try home.run(["config", "set", "region=eu", "model=base"])
    try home.run(["config", "set", "model=large"], instance: "agent-1")
    try home.run(["config", "set", "--scope", "shared", "owner=ops"], instance: "agent-1")
    #expect(try home.values(instance: "agent-1") == ["region": "eu", "model": "large", "owner": "ops"])
    #expect(try home.values(instance: "agent-1", scope: "instance") == ["model": "large"])
    #expect(try home.values() == ["region": "eu", "model": "base", "owner": "ops"])
    #expect(try home.run(["config", "get", "model", "--scope", "instance"]).status == 2, "no instance id")
    #expect(FileManager.default.fileExists(atPath: home.path + "/instances/agent-1/config.json"))
    let list = try home.run(["instances", "list"])
    let instances = try #require(list.data?["instances"] as? [[String: Any]])
    #expect(instances.map { $0["id"] as? String } == ["agent-1"])
    #expect(instances.first?["last_write"] is String)
    #expect(try home.run(["instances", "remove", "agent-1"]).status == 0)
    #expect(try home.run(["instances", "remove", "agent-1"]).status == 5)
    #expect(try home.values(instance: "agent-1") == ["region": "eu", "model": "base", "owner": "ops"])
  }

  @Test(
    "hostile instance ids are refused with exit 2 before the disk is touched",
    arguments: ["..", ".", "../../etc", "a/b", "-rf", String(repeating: "x", count: 10_000), "ａ", "a\tb"])
  func hostileInstanceIDs(_ id: String) throws {
    let home = Home()
    let result = try home.run(["config", "set", "k=v"], instance: id)
    #expect(result.status == 2 && result.errorCode == "INVALID_ARGUMENT")
    #expect(!FileManager.default.fileExists(atPath: home.path), "nothing may be created")
  }

  @Test(
    "hostile keys are refused with exit 2",
    arguments: ["../x", "-x", "a..b", "a/b", "", String(repeating: "k", count: 300)])
  func hostileKeys(_ key: String) throws {
    let home = Home()
    let result = try home.run(["config", "set", "\(key)=v"])
    #expect(result.status == 2)
    #expect(!FileManager.default.fileExists(atPath: home.path + "/config.json"))
  }

  @Test("invalid UTF-8 in an argument is refused with exit 2")
  func invalidUTF8() throws {
    let home = Home()
    let result = try TandemBinary.startProgram(
      "/bin/sh",
      [
        "-c", "\"$0\" --home \"$1\" --output json config set \"k=$(printf '\\377\\376')\"", TandemBinary.path,
        home.path,
      ]
    ).wait()
    #expect(result.status == 2)
    #expect(result.errorCode == "INVALID_ARGUMENT")
  }

  @Test("parse errors exit 2 with an envelope; unknown commands too")
  func parseErrors() throws {
    let home = Home()
    for arguments in [
      ["config", "set", "--if-revision", "x", "k=v"], ["config", "bogus"], ["nothing"],
      ["config", "set", "novalue"],
    ] {
      let result = try home.run(arguments)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.errorCode == "INVALID_ARGUMENT")
    }
  }

  @Test("a corrupt document: exit 4 STATE_CORRUPT naming the file, untouched, and repair moves it aside")
  func corrupt() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    let garbage = Data("{\"format\":\"tandem.config/1\",\"revision\":1,\"values\":{\"k\":".utf8)
    try garbage.write(to: URL(fileURLWithPath: home.path + "/config.json"))
    for arguments in [["config", "get", "k"], ["config", "set", "k=w"], ["config", "list"]] {
      let result = try home.run(arguments)
      #expect(result.status == 4 && result.errorCode == "STATE_CORRUPT", "\(arguments)")
      #expect((result.error?["message"] as? String)?.contains(home.path + "/config.json") == true)
      #expect(result.error?["fix_command"] as? String != nil)
    }
    #expect(FileManager.default.contents(atPath: home.path + "/config.json") == garbage)
    let fix = try #require(try home.run(["config", "get", "k"]).error?["fix_command"] as? String)
    // The fix command names `tandem`; put the built one on PATH, as an installed one would be.
    let binDirectory = URL(fileURLWithPath: TandemBinary.path).deletingLastPathComponent().path
    let path = binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let repaired = try TandemBinary.startProgram(
      "/bin/sh", ["-c", fix + " --output json"], environment: ["PATH": path]
    )
    .wait()
    #expect(repaired.status == 0)
    #expect(repaired.data?["repaired"] as? Bool == true)
    // The namespace continues above the revision it had (1, kept in the lock file): a stale
    // `--if-revision 1` must not match the new document.
    #expect(try home.run(["config", "set", "k=new"]).data?["revision"] as? Int == 2)
    #expect(home.directory.entries("home").contains { $0.hasPrefix("config.json.corrupt-") })
  }

  @Test("a symlink planted at a state path is refused; the canary outside home is untouched")
  func symlink() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"], instance: "a")
    let canary = home.directory.appending("canary")
    try Data("canary".utf8).write(to: URL(fileURLWithPath: canary))
    let target = home.path + "/instances/a/config.json"
    try FileManager.default.removeItem(atPath: target)
    try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: canary)
    let result = try home.run(["config", "set", "k=evil"], instance: "a")
    #expect(result.status == 4 && result.errorCode == "UNSAFE_STATE_PATH")
    #expect(FileManager.default.contents(atPath: canary) == Data("canary".utf8))
  }

  @Test(
    "a key that is not a valid name, written into the document by hand, can be unset; a mistyped one is still refused"
  )
  func unsetKeyWrittenByHand() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    let text = #"{"format":"tandem.config/1","revision":3,"values":{"bad key!":"x","k":"v"}}"#
    try Data(text.utf8).write(to: URL(fileURLWithPath: home.path + "/config.json"))
    let preview = try home.run(["config", "unset", "--dry-run", "bad key!"])
    #expect(preview.status == 0, "\(preview.standardOutput)")
    let unset = try home.run(["config", "unset", "bad key!"])
    #expect(unset.status == 0 && unset.data?["revision"] as? Int == 4, "\(unset.standardOutput)")
    #expect(try home.values() == ["k": "v"])
    let mistyped = try home.run(["config", "unset", "other key!"])
    #expect(mistyped.status == 2 && mistyped.errorCode == "INVALID_ARGUMENT", "\(mistyped.standardOutput)")
    #expect(
      try SchemaValidator.validateEnvelopes(
        [preview, unset, mistyped].map { ($0.standardOutput, $0.status) }) == [])
  }
}
