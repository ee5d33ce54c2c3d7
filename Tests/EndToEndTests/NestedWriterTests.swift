import Foundation
import TandemTestSupport
import Testing

/// Writers started under one `lock run`, and state files with numbers at their limits,
/// through the built binary as real processes.
@Suite("Writers under lock run, and state at its limits")
struct NestedWriterTests {
  @Test("40 parallel writers inside one lock run: every one exits 0 and every key is kept")
  func fanOutUnderLockRun() throws {
    let home = Home()
    let statuses = home.directory.appending("statuses")
    // Each writer records its own exit status; `wait` lets them all finish inside the lock.
    let script = """
      for i in $(seq 1 40); do ( "$0" --home "$1" config set "p$i=v" >/dev/null 2>&1; echo "$i $?" >> "$2" ) & done
      wait
      """
    let run = try home.run(["lock", "run", "--", "sh", "-c", script, TandemBinary.path, home.path, statuses])
    #expect(run.status == 0)
    let lines = try String(contentsOfFile: statuses, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 40)
    #expect(lines.allSatisfy { $0.hasSuffix(" 0") }, "\(lines.filter { !$0.hasSuffix(" 0") })")
    let values = try home.values()
    #expect(Set(values.keys) == Set((1...40).map { "p\($0)" }))
    #expect(home.directory.entries("home").filter { $0.contains(".tmp-") }.isEmpty)
  }

  @Test("a lock run nested in a lock run: its children exclude each other and their siblings one level up")
  func nestedLevels() throws {
    let home = Home()
    // Outer level: 8 writers and one nested lock run whose own 8 children write at once.
    let inner =
      #"for i in 1 2 3 4 5 6 7 8; do "$0" --home "$1" config set "inner$i=v" >/dev/null & done; wait"#
    let script = """
      for i in 1 2 3 4 5 6 7 8; do "$0" --home "$1" config set "outer$i=v" >/dev/null & done
      "$0" --home "$1" lock run -- sh -c '\(inner)' "$0" "$1" &
      wait
      """
    let run = try home.run(["lock", "run", "--", "sh", "-c", script, TandemBinary.path, home.path])
    #expect(run.status == 0)
    let values = try home.values()
    #expect(values.count == 16, "\(values.keys.sorted())")
  }

  @Test("an outsider still waits for the outermost holder while the writers below it proceed")
  func outsiderWaits() throws {
    let home = Home()
    let holder = try home.start([
      "lock", "run", "--", "sh", "-c", #""$0" --home "$1" config set inside=1 >/dev/null; sleep 1"#,
      TandemBinary.path, home.path,
    ])
    #expect(try home.waitUntilHeld())
    let outsider = try home.run(["config", "set", "outside=1", "--lock-timeout", "0"])
    #expect(outsider.status == 6 && outsider.error?["reason"] as? String == "lock_timeout")
    #expect(holder.wait().status == 0)
    #expect(try home.values() == ["inside": "1"])
  }

  @Test("a document at revision Int64.max: config set exits 4 with an envelope, never a crash")
  func revisionAtInt64Max() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    let path = home.path + "/config.json"
    let text = #"{"format":"tandem.config/1","revision":9223372036854775807,"values":{"k":"v"}}"#
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    let set = try home.run(["config", "set", "k=w"])
    #expect(set.status == 4 && set.errorCode == "STATE_CORRUPT", "\(set.status) \(set.standardError)")
    #expect(FileManager.default.contents(atPath: path) == Data(text.utf8))
    let repair = try home.run(["config", "repair"])
    #expect(repair.status == 0 && repair.data?["repaired"] as? Bool == true)
    #expect(try home.run(["config", "set", "k=w"]).status == 0)
  }

  @Test("a document deleted by hand at revision Int64.max: config repair starts it over, and says so")
  func exhaustedAndDeleted() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    let path = home.path + "/config.json"
    let text = #"{"format":"tandem.config/1","revision":9223372036854775806,"values":{"k":"v"}}"#
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    // The last revision there is, which the lock file's record keeps.
    #expect(try home.run(["config", "set", "k=w"]).data?["revision"] as? Int == Int.max)
    try FileManager.default.removeItem(atPath: path)
    let refused = try home.run(["config", "set", "k=x"])
    #expect(refused.status == 4 && refused.errorCode == "STATE_CORRUPT", "\(refused.standardOutput)")
    #expect((refused.error?["fix_command"] as? String)?.contains("config repair") == true)

    let preview = try home.run(["config", "repair", "--dry-run"])
    let previewEffect = try #require(preview.data?["effect"] as? [String: Any])
    #expect(preview.status == 0 && previewEffect["moved_to"] is NSNull && previewEffect["reason"] is String)
    let repair = try home.run(["config", "repair"])
    #expect(repair.status == 0, "\(repair.standardOutput)")
    #expect(repair.data?["repaired"] as? Bool == true && repair.data?["moved_to"] is NSNull)
    #expect(repair.data?["reason"] is String)
    let set = try home.run(["config", "set", "k=x"])
    #expect(set.status == 0 && set.data?["revision"] as? Int == 1, "\(set.standardOutput)")
    #expect(
      try SchemaValidator.validateEnvelopes(
        [refused, preview, repair, set].map { ($0.standardOutput, $0.status) })
        == [])
  }

  @Test("an instance removed at revision Int64.max is created again from revision 1, not refused for good")
  func exhaustedInstanceRemoved() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"], instance: "b")
    let path = home.path + "/instances/b/config.json"
    let text = #"{"format":"tandem.config/1","revision":9223372036854775806,"values":{"k":"v"}}"#
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    #expect(try home.run(["config", "set", "k=w"], instance: "b").data?["revision"] as? Int == Int.max)
    let removed = try home.run(["instances", "remove", "b"])
    #expect(removed.status == 0, "\(removed.standardOutput)")
    let set = try home.run(["config", "set", "k=x"], instance: "b")
    #expect(set.status == 0 && set.data?["revision"] as? Int == 1, "\(set.standardOutput)")
    // A lower retired revision is still continued above.
    try home.run(["config", "set", "k=y"], instance: "b")
    try home.run(["instances", "remove", "b"])
    #expect(try home.run(["config", "set", "k=z"], instance: "b").data?["revision"] as? Int == 3)
  }

  @Test("a lock record with numbers at Int64's limits: lock status and writers work")
  func hostileLockRecord() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    let record =
      #"{"holder":{"pid":1,"instance_id":null,"command":"x","acquired_at_ms":-9223372036854775808},"#
      + #""holds":9223372036854775807,"mean_hold_us":9223372036854775807,"revision":9223372036854775807}"#
    let padded = record + String(repeating: " ", count: 511 - record.utf8.count) + "\n"
    try Data(padded.utf8).write(to: URL(fileURLWithPath: home.path + "/config.json.lock"))
    #expect(try home.run(["lock", "status"]).status == 0)
    // The record claims revision Int64.max was committed: no further revision exists, so the
    // write is refused cleanly; repair starts the document over.
    let set = try home.run(["config", "set", "k=w"])
    #expect(set.status == 4 && set.errorCode == "STATE_CORRUPT", "\(set.status) \(set.standardOutput)")
    #expect(try home.run(["config", "repair"]).status == 0)
    #expect(try home.run(["config", "set", "k=w"]).status == 0)
  }
}

@Suite("Revisions at their limits on the command line")
struct RevisionArgumentTests {
  @Test(
    "--if-revision past Int64.max is an argument error, never a crash",
    arguments: ["9223372036854775808", "18446744073709551615"])
  func beyondInt64(_ revision: String) throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    let result = try home.run(["config", "set", "--if-revision", revision, "k=w"])
    #expect(
      result.status == 2 && result.errorCode == "INVALID_ARGUMENT", "\(result.status) \(result.standardError)"
    )
    #expect(try home.values() == ["k": "v"])
  }

  @Test("--if-revision Int64.max on a younger document is a plain mismatch")
  func atInt64Max() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    let result = try home.run(["config", "set", "--if-revision", "9223372036854775807", "k=w"])
    #expect(result.status == 6 && result.error?["expected_revision"] as? Int == Int.max)
  }
}

@Suite("lock run when its lock file is removed by hand")
struct LockRunReplacedFileTests {
  @Test("the envelope warns that exclusion was not kept")
  func warns() throws {
    let home = Home()
    let result = try home.run([
      "--lock-timeout", "2s", "lock", "run", "--name", "x", "--", "sh", "-c", #"rm "$0/locks/x.lock""#,
      home.path,
    ])
    #expect(result.status == 0)
    let warnings = result.envelope?["warnings"] as? [String] ?? []
    #expect(warnings.contains { $0.contains("removed or replaced") }, "\(warnings)")
  }
}
