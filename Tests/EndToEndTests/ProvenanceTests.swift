import Foundation
import TandemTestSupport
import Testing

/// Who last wrote each key, and when (`written_by`, `written_at`), through the binary.
@Suite("Provenance of keys")
struct ProvenanceTests {
  /// `config get KEY` in JSON, as (written_by, written_at); fails the test when it fails.
  func provenance(_ home: Home, _ key: String, instance: String? = nil) throws -> (String?, String?) {
    let result = try home.run(["config", "get", key], instance: instance)
    #expect(result.status == 0, "\(result.standardOutput)")
    let data = try #require(result.data)
    #expect(data.keys.contains("written_by") && data.keys.contains("written_at"), "\(data)")
    return (data["written_by"] as? String, data["written_at"] as? String)
  }

  /// The RFC 3339 stamp tandem writes, to milliseconds, or nil.
  func milliseconds(_ stamp: String?) -> Int64? {
    guard let stamp else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: stamp).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
  }

  @Test("two instances: each key shows its last writer, and the times only grow")
  func twoInstances() throws {
    let home = Home()
    var results: [TandemBinary.Result] = []
    func write(_ assignment: String, by instance: String?) throws {
      let result = try home.run(["config", "set", "--scope", "shared", assignment], instance: instance)
      #expect(result.status == 0, "\(result.standardOutput)")
      results.append(result)
    }
    try write("k1=from-a", by: "agent-a")
    let (k1By, k1At) = try provenance(home, "k1")
    try write("k2=from-b", by: "agent-b")
    let (k2ByB, k2AtB) = try provenance(home, "k2")
    try write("k2=from-a", by: "agent-a")
    let (k2ByA, k2AtA) = try provenance(home, "k2")
    #expect(k1By == "agent-a")
    #expect(k2ByB == "agent-b")
    #expect(k2ByA == "agent-a")
    // k1 is untouched by the later writes.
    #expect(try provenance(home, "k1") == (k1By, k1At))
    let times = try [k1At, k2AtB, k2AtA].map { try #require(milliseconds($0), "\(String(describing: $0))") }
    #expect(times == times.sorted(), "\(times)")
    // The same through config list, read by a third instance and by a caller without one.
    for reader in ["agent-c", nil] as [String?] {
      let list = try home.run(["config", "list"], instance: reader)
      results.append(list)
      let entries = (list.data?["entries"] as? [[String: Any]]) ?? []
      let byKey = Dictionary(uniqueKeysWithValues: entries.map { ($0["key"] as! String, $0) })
      #expect(byKey["k1"]?["written_by"] as? String == "agent-a")
      #expect(byKey["k1"]?["written_at"] as? String == k1At)
      #expect(byKey["k2"]?["written_by"] as? String == "agent-a")
      #expect(byKey["k2"]?["written_at"] as? String == k2AtA)
    }
    // A writer without an instance id: written_by null, written_at set.
    try write("k1=anonymous", by: nil)
    let (anonymousBy, anonymousAt) = try provenance(home, "k1")
    #expect(anonymousBy == nil && anonymousAt != nil)
    #expect(try #require(milliseconds(anonymousAt)) >= times[2])
    // Setting the value a key already has still makes the caller its last writer.
    try write("k2=from-a", by: "agent-b")
    #expect(try provenance(home, "k2").0 == "agent-b")
    // An instance's own document records it too, and the layered read shows it.
    let own = try home.run(["config", "set", "mine=1"], instance: "agent-a")
    results.append(own)
    #expect(try provenance(home, "mine", instance: "agent-a").0 == "agent-a")
    results.append(try home.run(["config", "get", "k2"]))
    let problems = try SchemaValidator.validateEnvelopes(results.map { ($0.standardOutput, $0.status) })
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("concurrent writers of different keys from different instances: each key keeps its own writer")
  func concurrentWriters() throws {
    let home = Home()
    let invocations = (0..<8).map { writer in
      home.args(
        ["config", "set", "--scope", "shared", "key\(writer)=\(writer)"], instance: "writer-\(writer)")
    }
    let results = try TandemBinary.runTogether(invocations)
    #expect(results.allSatisfy { $0.status == 0 })
    let list = try home.run(["config", "list"])
    let entries = (list.data?["entries"] as? [[String: Any]]) ?? []
    #expect(entries.count == 8)
    for entry in entries {
      let key = entry["key"] as! String
      #expect(entry["written_by"] as? String == "writer-" + key.dropFirst(3), "\(entry)")
    }
  }

  @Test("a document written before provenance still reads, its keys without provenance")
  func oldDocument() throws {
    let home = Home()
    try home.run(["config", "set", "seed=1"])
    // What tandem wrote before provenance existed: no "written" member.
    let old = """
      {
        "format": "tandem.config/1",
        "revision": 4,
        "updated_at": "2026-11-01T10:00:00.000Z",
        "values": {
          "old.a": "1",
          "old.b": "2"
        }
      }

      """
    let path = home.path + "/config.json"
    try Data(old.utf8).write(to: URL(fileURLWithPath: path))
    var results: [TandemBinary.Result] = []
    let get = try home.run(["config", "get", "old.a"])
    results.append(get)
    #expect(get.status == 0 && get.data?["value"] as? String == "1")
    #expect(get.data?["written_by"] is NSNull && get.data?["written_at"] is NSNull, "\(get.standardOutput)")
    let list = try home.run(["config", "list"])
    results.append(list)
    for entry in (list.data?["entries"] as? [[String: Any]]) ?? [] {
      #expect(entry["written_by"] is NSNull && entry["written_at"] is NSNull, "\(entry)")
    }
    // Reading changes nothing on disk.
    #expect(FileManager.default.contents(atPath: path) == Data(old.utf8))
    // A write records the key it sets; the others still have none.
    let set = try home.run(["config", "set", "new=3"], instance: "agent-a")
    results.append(try home.run(["config", "set", "--scope", "shared", "new=3"], instance: "agent-a"))
    #expect(set.status == 0)
    #expect(try provenance(home, "new").0 == "agent-a")
    #expect(try provenance(home, "old.b") == (nil, nil))
    #expect(try home.run(["config", "get", "old.b"]).data?["revision"] as? Int == 5)
    // Provenance edited by hand into something unreadable shows as none, never as an error;
    // stamps for other keys (a key renamed by hand) show as none for every key.
    try home.run(["config", "set", "a=1", "b=2", "c=3", "d=4"], instance: "agent-x")
    try home.run(["config", "set", "--scope", "shared", "a=1", "b=2", "c=3", "d=4"], instance: "agent-x")
    var document =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    var written = document["written"] as! [String: Any]
    // One stamp per key, as a person editing it by hand would write them (the keys of one
    // commit share a stamp and its run on disk).
    var stamps: [Any] = []
    let runs = written.removeValue(forKey: "runs") as? [Int]
    for (index, stamp) in (written["stamps"] as! [Any]).enumerated() {
      stamps += Array(repeating: stamp, count: runs?[index] ?? 1)
    }
    let keys = (document["values"] as! [String: Any]).keys.sorted()
    for (index, key) in keys.enumerated() {
      switch key {
      case "a": stamps[index] = "yesterday agent-x"
      case "b": stamps[index] = "2026-11-01T10:00:00.000Z not/an/instance"
      case "c": stamps[index] = 7
      case "d": stamps[index] = "2026-11-01T10:00:00.000Z"
      default: break
      }
    }
    written["stamps"] = stamps
    document["written"] = written
    try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
    for key in ["a", "b", "c", "d"] {
      let read = try home.run(["config", "get", key])
      results.append(read)
      #expect(read.status == 0, "\(read.standardOutput)")
    }
    #expect(try provenance(home, "a") == (nil, nil))
    #expect(try provenance(home, "b") == (nil, nil))
    #expect(try provenance(home, "c") == (nil, nil))
    #expect(try provenance(home, "d") == (nil, "2026-11-01T10:00:00.000Z"))
    #expect(try provenance(home, "new").0 == "agent-a")
    var values = document["values"] as! [String: Any]
    values["renamed"] = values.removeValue(forKey: "new")
    document["values"] = values
    try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
    #expect(try provenance(home, "d") == (nil, nil))
    #expect(try provenance(home, "renamed") == (nil, nil))
    let problems = try SchemaValidator.validateEnvelopes(results.map { ($0.standardOutput, $0.status) })
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("text output is unchanged: no provenance in config get or config list")
  func textUnchanged() throws {
    let home = Home()
    try home.run(["config", "set", "a=1"], instance: "agent-a")
    #expect(try home.run(["config", "get", "a"], instance: "agent-a", json: false).standardOutput == "1\n")
    #expect(try home.run(["config", "list"], instance: "agent-a", json: false).standardOutput == "a=1\n")
  }
}
