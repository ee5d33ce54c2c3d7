import Foundation
import TandemTestSupport
import Testing

/// The commands on a document at the 10,000-key limit, through the binary. Not timed: the
/// instruction counts per size are measured by scripts/bench-scale.
@Suite("config commands on a 10,000-key document", .serialized)
struct LargeDocumentCommandTests {
  @Test("set of 10,000 pairs in one call, then get, set, unset and list on the full document")
  func fullDocument() throws {
    let home = Home()
    let pairs = (1...10_000).map { "k\($0)=v\($0)" }
    let built = try home.run(["config", "set"] + pairs)
    #expect(built.status == 0 && built.data?["revision"] as? Int == 1, "\(built.standardError)")
    #expect(try home.run(["config", "get", "k9999"]).data?["value"] as? String == "v9999")
    #expect(try home.run(["config", "set", "k1=changed"]).data?["revision"] as? Int == 2)
    let unset = try home.run(["config", "unset"] + (1...100).map { "k\($0 * 3)" })
    #expect(unset.status == 0 && unset.data?["revision"] as? Int == 3)
    let list = try home.run(["config", "list", "--limit", "0"])
    let entries = (list.data?["entries"] as? [[String: Any]]) ?? []
    #expect(entries.count == 9_900)
    let keys = entries.compactMap { $0["key"] as? String }
    #expect(keys == keys.sorted())
    #expect(entries.first?["key"] as? String == "k1" && entries.first?["value"] as? String == "changed")
    #expect(try home.run(["config", "get", "k300"]).status == 5)
    let text = try home.run(["config", "list"], json: false)
    #expect(text.status == 0 && text.standardOutput.split(separator: "\n").count == 9_900)
  }

  @Test("a key given twice among many pairs is still refused before anything is written")
  func repeatedAmongMany() throws {
    let home = Home()
    let pairs = (1...40).map { "k\($0)=v" } + ["k17=again"]
    let refused = try home.run(["config", "set"] + pairs)
    #expect(refused.status == 2 && refused.errorCode == "INVALID_ARGUMENT")
    #expect(try home.values().isEmpty)
  }

  @Test(
    "a document file over 4 MiB is STATE_CORRUPT with config repair as its fix_command, like any corrupt one")
  func oversizedFileNamesRepair() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"], instance: "a")
    let path = home.path + "/instances/a/config.json"
    try Data(repeating: 0x20, count: 4 * 1024 * 1024 + 1).write(to: URL(fileURLWithPath: path))
    var envelopes: [(String, Int32)] = []
    for command in [["config", "get", "k"], ["config", "set", "k=w"], ["config", "list"]] {
      let refused = try home.run(command, instance: "a")
      envelopes.append((refused.standardOutput, refused.status))
      #expect(refused.status == 4 && refused.errorCode == "STATE_CORRUPT", "\(refused.standardOutput)")
      let fix = try #require(refused.error?["fix_command"] as? String, "\(refused.standardOutput)")
      #expect(fix.contains("config repair --scope instance") && fix.contains("--instance-id a"), "\(fix)")
    }
    #expect(try SchemaValidator.validateEnvelopes(envelopes) == [])
    #expect(try home.run(["config", "repair"], instance: "a").data?["repaired"] as? Bool == true)
    #expect(try home.run(["config", "set", "k=w"], instance: "a").status == 0)
  }
}
