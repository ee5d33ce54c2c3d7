import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

@Suite("Revisioned config store")
struct ConfigStoreTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }
  var intent: LockIntent { LockIntent(instanceID: nil, command: "test") }

  @Test("reading a home that does not exist creates nothing")
  func readCreatesNothing() throws {
    let document = try ConfigStore(home: home).read()
    #expect(document.revision == 0 && document.values.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: home.path))
  }

  @Test("each applied write raises the revision by one, even one that changes no value")
  func revisions() throws {
    let store = ConfigStore(home: home)
    let first = try store.update {
      $0["a"] = "1"; $0["b"] = "2"
    }
    #expect(first.changed && first.document.revision == 1 && first.previousRevision == 0)
    let second = try store.update { $0["a"] = "3" }
    #expect(second.document.revision == 2)
    let same = try store.update { $0["a"] = "3" }
    #expect(!same.changed && same.document.revision == 3)
    // So two writers expecting the same revision never both apply, even with equal values.
    #expect(throws: StateError.self) { try store.update(ifRevision: 2) { $0["a"] = "3" } }
    #expect(try store.read().values == ["a": "3", "b": "2"])
  }

  @Test("a stale expected revision is refused and nothing is written")
  func revisionMismatch() throws {
    let store = ConfigStore(home: home)
    try store.update { $0["a"] = "1" }
    let before = directory.contents("home/config.json")
    let error = try #require(throws: StateError.self) {
      try store.update(ifRevision: 0) { $0["a"] = "2" }
    }
    #expect(error.code == .concurrentModification)
    #expect(error.conflictReason == .revisionMismatch)
    #expect(error.expectedRevision == 0 && error.currentRevision == 1)
    // Not retryable as it is: no retry advice, but what to do instead.
    #expect(error.retryAfterMilliseconds == nil)
    #expect(error.fixRequired?.contains("expecting revision 1") == true)
    #expect(error.remedy == .rereadDocument(.shared, currentRevision: 1))
    #expect(directory.contents("home/config.json") == before)
    #expect(try store.update(ifRevision: 1) { $0["a"] = "2" }.document.revision == 2)
  }

  @Test("files and directories are private: 0600 and 0700")
  func permissions() throws {
    let previous = umask(0)
    defer { umask(previous) }
    try ConfigStore(home: home, namespace: .instance(try InstanceID("agent-1"))).update { $0["k"] = "v" }
    func mode(_ path: String) throws -> Int? {
      try FileManager.default.attributesOfItem(atPath: directory.appending(path))[.posixPermissions] as? Int
    }
    #expect(try mode("home") == 0o700)
    #expect(try mode("home/instances") == 0o700)
    #expect(try mode("home/instances/agent-1") == 0o700)
    #expect(try mode("home/instances/agent-1/config.json") == 0o600)
    #expect(try mode("home/instances/agent-1/config.json.lock") == 0o600)
  }

  static let corruptions: [(String, [UInt8])] = [
    ("empty", []),
    ("truncated", Array(#"{"format":"tandem.config/1","revision":3,"values":{"a":"#.utf8)),
    ("trailing garbage", Array(#"{"format":"tandem.config/1","revision":3,"values":{}}garbage"#.utf8)),
    ("not JSON", Array("region = us-east-1\n".utf8)),
    (
      "invalid UTF-8",
      Array(#"{"format":"tandem.config/1","revision":3,"values":{"a":""#.utf8) + [0xFF, 0xFE]
        + Array(#""}}"#.utf8)
    ),
    ("wrong value type", Array(#"{"format":"tandem.config/1","revision":3,"values":{"a":1}}"#.utf8)),
    ("negative revision", Array(#"{"format":"tandem.config/1","revision":-1,"values":{}}"#.utf8)),
    ("array at top", Array("[]".utf8)),
    ("missing format", Array(#"{"revision":1,"values":{}}"#.utf8)),
  ]

  @Test(
    "a corrupt document is reported, never overwritten, and repair moves it aside", arguments: corruptions)
  func corrupt(_ label: String, _ bytes: [UInt8]) throws {
    let store = ConfigStore(home: home)
    try directory.write("home/config.json", Data(bytes))
    let readError = try #require(throws: StateError.self) { try store.read() }
    #expect(readError.code == .stateCorrupt)
    #expect(readError.path == store.path)
    let writeError = try #require(throws: StateError.self) { try store.update { $0["a"] = "new" } }
    #expect(writeError.code == .stateCorrupt)
    #expect(directory.contents("home/config.json") == Data(bytes))

    let outcome = try store.repair(intent: intent)
    let movedTo = try #require(outcome.movedTo)
    #expect(FileManager.default.contents(atPath: movedTo) == Data(bytes))
    #expect(try store.update { $0["a"] = "new" }.document.revision == 1)
    #expect(try store.repair(intent: intent).movedTo == nil)
  }

  @Test("a document over the size limit is reported as corrupt without being read whole")
  func oversized() throws {
    let huge = Data(repeating: 0x20, count: StateLimits.maximumDocumentBytes + 1)
    try directory.write("home/config.json", huge)
    let error = try #require(throws: StateError.self) { try ConfigStore(home: home).read() }
    #expect(error.code == .stateCorrupt)
  }

  @Test("a symbolic link planted at the document is refused and its target stays untouched")
  func plantedSymlink() throws {
    let canary = directory.appending("canary.txt")
    try Data("canary".utf8).write(to: URL(fileURLWithPath: canary))
    try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: home.path + "/config.json", withDestinationPath: canary)
    let error = try #require(throws: StateError.self) { try ConfigStore(home: home).update { $0["a"] = "1" } }
    #expect(error.code == .unsafeStatePath)
    #expect(try String(contentsOfFile: canary, encoding: .utf8) == "canary")
  }

  @Test("a symbolic link planted at an instance directory is refused")
  func plantedDirectorySymlink() throws {
    let outside = TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: home.path + "/instances", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: home.path + "/instances/agent", withDestinationPath: outside.path)
    let store = ConfigStore(home: home, namespace: .instance(try InstanceID("agent")))
    let error = try #require(throws: StateError.self) { try store.update { $0["a"] = "1" } }
    #expect(error.code == .unsafeStatePath)
    #expect(outside.entries().isEmpty)
  }

  @Test("invalid keys or oversized values from the API are refused before writing")
  func validatesBody() throws {
    let store = ConfigStore(home: home)
    #expect(throws: StateError.self) { try store.update { $0["../x"] = "1" } }
    #expect(throws: StateError.self) {
      try store.update { $0["big"] = String(repeating: "v", count: StateLimits.maximumValueBytes + 1) }
    }
    #expect(try store.read().revision == 0)
  }

  @Test("a key written by hand that tandem would refuse does not block writes of other keys")
  func handWrittenKey() throws {
    try directory.write(
      "home/config.json", Data(#"{"format":"tandem.config/1","revision":4,"values":{"Odd Key":"x"}}"#.utf8))
    let store = ConfigStore(home: home)
    #expect(try store.update { $0["region"] = "eu" }.document.revision == 5)
    #expect(try store.read().values == ["Odd Key": "x", "region": "eu"])
    #expect(throws: StateError.self) { try store.update { $0["Odd Key"] = "y" } }
  }

  @Test("layered reads prefer the instance and fall back to shared")
  func layered() throws {
    let id = try InstanceID("agent-1")
    try ConfigStore(home: home).update {
      $0["region"] = "eu"; $0["model"] = "base"
    }
    try ConfigStore(home: home, namespace: .instance(id)).update { $0["model"] = "large" }
    let view = LayeredConfig(home: home, namespace: .instance(id))
    #expect(try view.lookup("model")?.value == "large")
    #expect(try view.lookup("model")?.scope == .instance)
    #expect(try view.lookup("region")?.scope == .shared)
    #expect(try view.lookup("model", scope: .shared)?.value == "base")
    #expect(try view.lookup("region", scope: .instance) == nil)
    #expect(try view.entries().map(\.key) == ["model", "region"])
  }
}
