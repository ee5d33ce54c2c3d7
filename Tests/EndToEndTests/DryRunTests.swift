import Foundation
import TandemTestSupport
import Testing

/// `--dry-run` of the destructive commands (`config unset`, `config repair`, `instances
/// remove`): the whole tree under the test's directory (the home and beside it) is the same
/// byte for byte after a dry run, and the effect it reports is the effect the real command
/// then reports and has.
@Suite("--dry-run changes nothing and reports what the real command then does")
struct DryRunTests {
  /// A home and the envelopes its calls printed, all validated against the schema at the end.
  final class Session {
    let home = Home()
    var envelopes: [(String, Int32)] = []

    /// Runs a call in JSON mode and keeps its envelope.
    @discardableResult
    func run(_ arguments: [String], instance: String? = nil, environment: [String: String] = [:]) throws
      -> TandemBinary.Result
    {
      let result = try TandemBinary.run(home.args(arguments, instance: instance), environment: environment)
      envelopes.append((result.standardOutput, result.status))
      return result
    }

    /// The tree under the test's directory: the home, its parent and anything beside it.
    var snapshot: TreeSnapshot { TreeSnapshot(home.directory.path) }

    func validate() throws {
      let problems = try SchemaValidator.validateEnvelopes(envelopes)
      #expect(problems.isEmpty, "\(problems)")
    }
  }

  /// Runs `arguments` with `--dry-run` and checks that the tree is unchanged; returns the
  /// result.
  private func dryRun(
    _ session: Session, _ arguments: [String], instance: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> TandemBinary.Result {
    let before = session.snapshot
    let result = try session.run(arguments + ["--dry-run"], instance: instance)
    let changed = before.differences(from: session.snapshot)
    #expect(changed.isEmpty, "\(arguments) --dry-run changed \(changed)", sourceLocation: sourceLocation)
    return result
  }

  @Test("config unset --dry-run: nothing written, not even a lock file; the effect is the real unset's")
  func unset() throws {
    let session = Session()
    try session.run(["config", "set", "a=1", "b=2", "c=3"])
    try session.run(["config", "set", "a=10", "b=20"], instance: "agent-1")
    // A namespace whose lock file is gone (a document copied in by hand): a dry run that
    // took the lock would create it.
    try FileManager.default.removeItem(atPath: session.home.path + "/instances/agent-1/config.json.lock")

    for (instance, scope) in [(nil, "shared"), ("agent-1", "instance")] as [(String?, String)] {
      let path = session.home.path + (instance == nil ? "" : "/instances/agent-1") + "/config.json"
      let planned = try dryRun(session, ["config", "unset", "a", "b"], instance: instance)
      #expect(planned.status == 0, "\(planned.standardOutput)")
      let data = try #require(planned.data)
      #expect(data["dry_run"] as? Bool == true)
      #expect(data["write_scope"] as? String == scope)
      #expect(data["path"] as? String == path)
      let effect = try #require(data["effect"] as? [String: Any])
      #expect(effect["document"] as? String == path)
      #expect(effect["revision_before"] as? Int == 1 && effect["revision_after"] as? Int == 2, "\(effect)")
      let keys = try #require(effect["keys"] as? [[String: Any]])
      #expect(
        keys.map { $0["key"] as? String } == ["a", "b"] && keys.allSatisfy { $0["present"] as? Bool == true })

      let done = try session.run(["config", "unset", "a", "b"], instance: instance)
      #expect(done.status == 0)
      #expect(done.data?["dry_run"] as? Bool == false)
      #expect(
        NSDictionary(dictionary: try #require(done.data?["effect"] as? [String: Any])).isEqual(to: effect))
      #expect(done.data?["revision"] as? Int == 2)
      let left = try session.home.values(instance: instance, scope: scope)
      #expect(left["a"] == nil && left["b"] == nil)
    }
    #expect(try session.home.values()["c"] == "3")

    // Errors come as from the real command, and still change nothing.
    let missing = try dryRun(session, ["config", "unset", "c", "missing"])
    #expect(missing.status == 5 && missing.errorCode == "NOT_FOUND")
    let stale = try dryRun(session, ["config", "unset", "--if-revision", "1", "c"])
    #expect(stale.status == 6 && stale.errorCode == "CONCURRENT_MODIFICATION")
    #expect(stale.error?["reason"] as? String == "revision_mismatch", "\(stale.standardOutput)")
    let noInstance = try dryRun(session, ["config", "unset", "c"], instance: "never-written")
    #expect(noInstance.status == 5 && noInstance.errorCode == "NOT_FOUND")
    #expect(!FileManager.default.fileExists(atPath: session.home.path + "/instances/never-written"))

    // Text mode: one line saying what would happen.
    let text = try TandemBinary.run(session.home.args(["config", "unset", "--dry-run", "c"], json: false))
    #expect(text.status == 0)
    #expect(
      text.standardOutput.hasPrefix("would unset c in the shared document \(session.home.path)/config.json"))
    #expect(try session.home.values()["c"] == "3")
    try session.validate()
  }

  @Test("config unset --dry-run on a home that does not exist creates nothing")
  func unsetNoHome() throws {
    let session = Session()
    let result = try dryRun(session, ["config", "unset", "a"])
    #expect(result.status == 5 && result.errorCode == "NOT_FOUND")
    #expect(!FileManager.default.fileExists(atPath: session.home.path))
    try session.validate()
  }

  @Test("config repair --dry-run: the corrupt document stays; the effect names it and where it would go")
  func repair() throws {
    let session = Session()
    try session.run(["config", "set", "k=v"])
    try session.run(["config", "set", "k=v"], instance: "agent-1")
    let garbage = Data("{\"format\":\"tandem.config/1\",\"revision\":1,\"values\":{\"k\":".utf8)
    for (instance, directory) in [(nil, ""), ("agent-1", "/instances/agent-1")] as [(String?, String)] {
      let document = session.home.path + directory + "/config.json"
      try garbage.write(to: URL(fileURLWithPath: document))
      if instance != nil {
        // Without its lock file, as a document restored by hand would be.
        try FileManager.default.removeItem(atPath: document + ".lock")
      }
      let planned = try dryRun(session, ["config", "repair"], instance: instance)
      #expect(planned.status == 0, "\(planned.standardOutput)")
      let data = try #require(planned.data)
      #expect(data["dry_run"] as? Bool == true && data["repaired"] as? Bool == false)
      #expect(data["write_scope"] as? String == (instance == nil ? "shared" : "instance"))
      #expect(data["path"] as? String == document)
      let effect = try #require(data["effect"] as? [String: Any])
      #expect(effect["document"] as? String == document)
      let movedTo = try #require(effect["moved_to"] as? String)
      #expect(movedTo.hasPrefix(document + ".corrupt-") && Int(movedTo.dropFirst(document.count + 9)) != nil)
      #expect((effect["reason"] as? String)?.contains("is corrupt") == true)

      let done = try session.run(["config", "repair"], instance: instance)
      #expect(
        done.status == 0 && done.data?["repaired"] as? Bool == true && done.data?["dry_run"] as? Bool == false
      )
      let doneEffect = try #require(done.data?["effect"] as? [String: Any])
      // The same effect, but for the time in the new name.
      #expect(masked(doneEffect) == masked(effect), "\(doneEffect) vs \(effect)")
      let movedNow = try #require(doneEffect["moved_to"] as? String)
      #expect(FileManager.default.contents(atPath: movedNow) == garbage)
      #expect(!FileManager.default.fileExists(atPath: document))
    }

    // A document that is fine: nothing to move, with or without --dry-run.
    let fine = try dryRun(session, ["config", "repair"])
    #expect((fine.data?["effect"] as? [String: Any])?["moved_to"] is NSNull)
    let done = try session.run(["config", "repair"])
    #expect((done.data?["effect"] as? [String: Any])?["moved_to"] is NSNull)
    // An instance never written: nothing to repair, and no namespace created for it.
    let none = try dryRun(session, ["config", "repair"], instance: "agent-2")
    #expect(none.status == 0 && (none.data?["effect"] as? [String: Any])?["moved_to"] is NSNull)

    try garbage.write(to: URL(fileURLWithPath: session.home.path + "/config.json"))
    let text = try TandemBinary.run(session.home.args(["config", "repair", "--dry-run"], json: false))
    #expect(text.standardOutput.hasPrefix("would move the corrupt \(session.home.path)/config.json to "))
    #expect(FileManager.default.contents(atPath: session.home.path + "/config.json") == garbage)
    try session.validate()
  }

  /// The effect with the time at the end of `moved_to` left out.
  private func masked(_ effect: [String: Any]) -> [String: String] {
    var result: [String: String] = [:]
    for (key, value) in effect {
      var text = "\(value)"
      if key == "moved_to", let range = text.range(of: ".corrupt-") {
        text = String(text[..<range.upperBound])
      }
      result[key] = text
    }
    return result
  }

  @Test(
    "instances remove --dry-run lists every file of the namespace (documents, auth.json, lock files, tools' namespaces) and removes none"
  )
  func instancesRemove() throws {
    let session = Session()
    let home = session.home
    let user = home.directory.appending("user")
    try FileManager.default.createDirectory(atPath: user, withIntermediateDirectories: true)
    try Data("[core]\n\teditor = vi\n".utf8).write(to: URL(fileURLWithPath: user + "/.gitconfig"))
    let helper = home.directory.appending("helper.sh")
    try Data("#!/bin/sh\ncat >/dev/null\necho '{\"access_token\":\"at-1\",\"expires_in\":3600}'\n".utf8)
      .write(to: URL(fileURLWithPath: helper))
    let environment = ["HOME": user, "XDG_CONFIG_HOME": user + "/.config", "GIT_CONFIG_NOSYSTEM": "1"]

    // Everything an instance can own: its config, its account choice (auth.json, written
    // without config.json.lock), a tool's namespace of `run --isolate`, and a symbolic link
    // out of the home in it.
    try session.run(["config", "set", "k=v"])
    try session.run(
      ["auth", "login", "--account", "a", "--refresh-command", "/bin/sh '\(helper)'"], instance: "only-auth")
    for instance in ["agent-1", "only-auth"] {
      if instance == "agent-1" { try session.run(["config", "set", "k=1"], instance: instance) }
      let isolated = try TandemBinary.run(
        home.args(
          ["run", "--isolate", "--", "git", "config", "--global", "user.name", instance], instance: instance),
        environment: environment)
      #expect(isolated.status == 0, "\(isolated.standardError)")
    }
    let canary = home.directory.appending("canary")
    try Data("outside".utf8).write(to: URL(fileURLWithPath: canary))
    try FileManager.default.createSymbolicLink(
      atPath: home.path + "/instances/agent-1/tools/git/credentials", withDestinationPath: canary)

    for instance in ["agent-1", "only-auth"] {
      let namespace = "home/instances/" + instance
      let before = session.snapshot
      let planned = try dryRun(session, ["instances", "remove", instance])
      #expect(planned.status == 0, "\(planned.standardOutput)")
      let data = try #require(planned.data)
      #expect(data["dry_run"] as? Bool == true && data["removed"] as? Bool == false)
      #expect(data["write_scope"] as? String == "instance")
      #expect(data["path"] as? String == home.path + "/instances/" + instance)
      let effect = try #require(data["effect"] as? [String: Any])
      let entries = try #require(effect["entries"] as? [[String: Any]])
      let listed = entries.compactMap { $0["path"] as? String }
      // Every file and directory of the namespace, and nothing else.
      let existing = before.paths(under: namespace).map { home.directory.path + "/" + $0 }
      #expect(Set(listed) == Set(existing), "\(Set(listed).symmetricDifference(existing))")
      #expect(listed.count == Set(listed).count)
      let names = Set(
        listed.map { String($0.dropFirst(home.path.count + "/instances/".count + instance.count)) })
      #expect(names.isSuperset(of: ["", "/tools", "/tools/git", "/tools/git/gitconfig"]), "\(names)")
      if instance == "agent-1" {
        #expect(names.isSuperset(of: ["/config.json", "/config.json.lock", "/tools/git/credentials"]))
        #expect(
          entries.first { ($0["path"] as? String)?.hasSuffix("/credentials") == true }?["type"] as? String
            == "symbolic_link")
      } else {
        #expect(
          names.isSuperset(of: ["/auth.json", "/auth.json.lock"]) && !names.contains("/config.json.lock"))
      }
      let retired = try #require(effect["retired_revisions"] as? [String: Any])
      #expect(retired["path"] as? String == home.path + "/instances/.retired/\(instance).json")

      let done = try session.run(["instances", "remove", instance])
      #expect(
        done.status == 0 && done.data?["removed"] as? Bool == true && done.data?["dry_run"] as? Bool == false)
      let doneEffect = try #require(done.data?["effect"] as? [String: Any])
      #expect(NSDictionary(dictionary: doneEffect).isEqual(to: effect), "\(doneEffect) vs \(effect)")
      for path in listed { #expect(!FileManager.default.fileExists(atPath: path), "\(path) is still there") }
      let record = try #require(FileManager.default.contents(atPath: retired["path"] as! String))
      let recorded = try #require(try JSONSerialization.jsonObject(with: record) as? [String: Any])
      #expect(NSDictionary(dictionary: recorded).isEqual(to: retired["revisions"] as! [String: Any]))
    }
    // The link was removed; what it pointed to was not.
    #expect(FileManager.default.contents(atPath: canary) == Data("outside".utf8))
    #expect(try home.values()["k"] == "v")

    let unknown = try dryRun(session, ["instances", "remove", "agent-1"])
    #expect(unknown.status == 5 && unknown.errorCode == "NOT_FOUND")
    #expect((unknown.error?["fix_command"] as? String)?.contains("instances list") == true)
    let invalid = try dryRun(session, ["instances", "remove", "../x"])
    #expect(invalid.status == 2 && invalid.errorCode == "INVALID_ARGUMENT")
    try session.validate()
  }

  @Test("instances remove --dry-run neither waits for nor takes the namespace's lock; the real removal waits")
  func removeWhileLocked() throws {
    let session = Session()
    try session.run(["config", "set", "k=v"], instance: "agent-1")
    let holder = try session.home.start(
      ["lock", "run", "--", "sleep", "3"], instance: "agent-1", json: false)
    #expect(try session.home.waitUntilHeld(instance: "agent-1"))
    let planned = try dryRun(session, ["--lock-timeout", "0", "instances", "remove", "agent-1"])
    #expect(planned.status == 0, "\(planned.standardOutput)")
    let refused = try session.run(["--lock-timeout", "0", "instances", "remove", "agent-1"])
    #expect(refused.status == 6 && refused.errorCode == "CONCURRENT_MODIFICATION")
    _ = holder.wait()
    let text = try TandemBinary.run(
      session.home.args(["instances", "remove", "--dry-run", "agent-1"], json: false))
    #expect(
      text.standardOutput.hasPrefix("would remove instance agent-1 (\(session.home.path)/instances/agent-1: ")
    )
    let done = try TandemBinary.run(session.home.args(["instances", "remove", "agent-1"], json: false))
    #expect(
      done.standardOutput.hasPrefix("removed instance agent-1 (\(session.home.path)/instances/agent-1: "))
    try session.validate()
  }
}
