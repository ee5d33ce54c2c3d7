import Foundation
import TandemTestSupport
import Testing

/// `notes` and `tandem` are two tools on one framework: each has its own home, variables and
/// locks, so in one `HOME` neither reads, locks or overwrites the other's state.
@Suite("notes and tandem in one HOME")
struct ToolSeparationTests {
  /// Every file below `root`, relative to it.
  static func files(_ root: String) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: root)
    var result: [String] = []
    while let name = enumerator?.nextObject() as? String {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        result.append(name)
      }
    }
    return result.sorted()
  }

  /// Polls `condition` every 10 ms for up to 10 s.
  static func waitUntil(_ condition: () throws -> Bool) rethrows -> Bool {
    for _ in 0..<1000 {
      if try condition() { return true }
      usleep(10_000)
    }
    return false
  }

  static func text(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
  }

  @Test("default homes: each writes its own files and reads only its own values")
  func defaultHomes() throws {
    let directory = TemporaryDirectory("notes-tandem")
    let user = directory.appending("user")
    try FileManager.default.createDirectory(atPath: user, withIntermediateDirectories: true)
    // The same HOME and no explicit home: each tool takes its own default.
    let environment = ["HOME": user]
    let unset = ["XDG_CONFIG_HOME"]
    func tandem(_ arguments: [String]) throws -> BuiltProduct.Result {
      try BuiltProduct.tandem.run(
        ["--output", "json"] + arguments, environment: environment, unsetting: unset)
    }
    func notes(_ arguments: [String]) throws -> BuiltProduct.Result {
      try BuiltProduct.notes.run(
        ["--format", "json"] + arguments, environment: environment, unsetting: unset)
    }

    #expect(try tandem(["config", "set", "owner=tandem"]).status == 0)
    #expect(try tandem(["--instance-id", "a", "config", "set", "who=tandem-a"]).status == 0)
    #expect(try notes(["add", "from notes"]).status == 0)
    #expect(try notes(["--instance-id", "a", "add", "from notes a"]).status == 0)

    // Files: ~/.tandem for tandem, ~/.config/notes for notes, nothing else.
    let all = Self.files(user)
    #expect(all.allSatisfy { $0.hasPrefix(".tandem/") || $0.hasPrefix(".config/notes/") }, "\(all)")
    #expect(
      Self.files(user + "/.tandem").filter { $0.hasSuffix(".json") } == [
        "config.json", "instances/a/config.json",
      ])
    #expect(
      Self.files(user + "/.config/notes").filter { $0.hasSuffix(".json") } == [
        "instances/a/notes.json", "notes.json",
      ])
    #expect(Self.text(user + "/.tandem/config.json").contains("\"tandem.config/1\""))
    #expect(Self.text(user + "/.config/notes/notes.json").contains("\"notes.config/1\""))
    #expect(!Self.text(user + "/.tandem/config.json").contains("from notes"))
    #expect(!Self.text(user + "/.config/notes/notes.json").contains("owner"))

    // Reads: each sees only its own values, in the shared and in the instance namespace.
    let tandemValues = try tandem(["--instance-id", "a", "config", "list"])
    let keys = ((tandemValues.data?["entries"] as? [[String: Any]]) ?? []).compactMap { $0["key"] as? String }
    #expect(keys.sorted() == ["owner", "who"])
    let listed = try notes(["--instance-id", "a", "list"])
    let texts = ((listed.data?["notes"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String }
    #expect(texts == ["from notes a", "from notes"])

    // Locks. tandem holding its config lock and its lock named "export" holds up no notes
    // command (and does hold up tandem's own).
    let config = try BuiltProduct.tandem.start(
      ["lock", "run", "--", "sleep", "2"], environment: environment, unsetting: unset)
    let named = try BuiltProduct.tandem.start(
      ["lock", "run", "--name", "export", "--", "sleep", "2"], environment: environment, unsetting: unset)
    for lock in [["lock", "status"], ["lock", "status", "--name", "export"]] {
      #expect(try Self.waitUntil { (try tandem(lock).data?["held"] as? Bool) == true }, "tandem \(lock)")
    }
    let add = try notes(["--lock-timeout", "0", "add", "while tandem holds its locks"])
    #expect(add.status == 0, "\(add.standardOutput)")
    let export = try notes(["--lock-timeout", "0", "export", "--output", directory.appending("free.md")])
    #expect(export.status == 0, "\(export.standardOutput)")
    #expect(try tandem(["--lock-timeout", "0", "config", "set", "during=hold"]).status == 6)
    #expect(config.wait().status == 0)
    #expect(named.wait().status == 0)

    // notes holding its lock named "export" holds up no tandem command (and does hold up
    // another notes export).
    let held = directory.appending("held.md")
    let holder = try BuiltProduct.notes.start(
      ["export", "--output", held, "--hold", "2s"], environment: environment, unsetting: unset)
    // The file is written under the lock, which is then held for the 2 s.
    #expect(Self.waitUntil { FileManager.default.fileExists(atPath: held) })
    let tandemNamed = try tandem(["--lock-timeout", "0", "lock", "run", "--name", "export", "--", "true"])
    #expect(tandemNamed.status == 0, "\(tandemNamed.standardOutput)")
    let second = try notes(["--lock-timeout", "0", "export", "--output", directory.appending("second.md")])
    #expect(second.status == 6)
    #expect((second.error?["path"] as? String)?.hasPrefix(user + "/.config/notes/") == true)
    #expect(holder.wait().status == 0)

    // A notes command run under tandem's lock run does not take tandem's held lock for its own.
    let nested = try BuiltProduct.tandem.run(
      ["lock", "run", "--", BuiltProduct.notes.path, "--lock-timeout", "0", "add", "inside tandem lock run"],
      environment: environment, unsetting: unset)
    #expect(nested.status == 0, "\(nested.standardOutput) \(nested.standardError)")
    #expect(Self.text(user + "/.config/notes/notes.json").contains("inside tandem lock run"))
    #expect(Self.files(user).allSatisfy { $0.hasPrefix(".tandem/") || $0.hasPrefix(".config/notes/") })
  }

  @Test("NOTES_HOME and TANDEM_HOME each move only their own tool; XDG_CONFIG_HOME moves only notes")
  func homeVariables() throws {
    let directory = TemporaryDirectory("notes-tandem")
    let user = directory.appending("user")
    let tandemHome = directory.appending("tandem-home")
    let notesHome = directory.appending("notes-home")
    let xdg = directory.appending("xdg")
    try FileManager.default.createDirectory(atPath: user, withIntermediateDirectories: true)
    let unset = ["XDG_CONFIG_HOME"]

    // Both variables set: each tool uses its own.
    let both = ["HOME": user, "TANDEM_HOME": tandemHome, "NOTES_HOME": notesHome]
    #expect(
      try BuiltProduct.tandem.run(["config", "set", "k=1"], environment: both, unsetting: unset).status == 0)
    #expect(try BuiltProduct.notes.run(["add", "n1"], environment: both, unsetting: unset).status == 0)
    #expect(Self.files(tandemHome).filter { $0.hasSuffix(".json") } == ["config.json"])
    #expect(Self.files(notesHome).filter { $0.hasSuffix(".json") } == ["notes.json"])

    // Only the other tool's variable set: ignored, the default home is used.
    let onlyTandem = ["HOME": user, "TANDEM_HOME": tandemHome]
    #expect(try BuiltProduct.notes.run(["add", "n2"], environment: onlyTandem, unsetting: unset).status == 0)
    let onlyNotes = ["HOME": user, "NOTES_HOME": notesHome]
    #expect(
      try BuiltProduct.tandem.run(["config", "set", "k=2"], environment: onlyNotes, unsetting: unset).status
        == 0)
    #expect(
      Self.files(user).filter { $0.hasSuffix(".json") } == [
        ".config/notes/notes.json", ".tandem/config.json",
      ])
    #expect(Self.text(user + "/.config/notes/notes.json").contains("n2"))
    #expect(Self.files(tandemHome).filter { $0.hasSuffix(".json") } == ["config.json"])
    #expect(Self.files(notesHome).filter { $0.hasSuffix(".json") } == ["notes.json"])

    // XDG_CONFIG_HOME is where notes keeps its home by default; tandem keeps ~/.tandem.
    let withXDG = ["HOME": user, "XDG_CONFIG_HOME": xdg]
    #expect(try BuiltProduct.notes.run(["add", "n3"], environment: withXDG).status == 0)
    #expect(try BuiltProduct.tandem.run(["config", "set", "k=3"], environment: withXDG).status == 0)
    #expect(Self.files(xdg).filter { $0.hasSuffix(".json") } == ["notes/notes.json"])
    #expect(Self.text(user + "/.tandem/config.json").contains("\"3\""))
  }
}
