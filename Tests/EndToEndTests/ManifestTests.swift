import ArgumentParser
import Foundation
import TandemCLI
import TandemTestSupport
import Testing

@testable import TandemCommands

/// `tandem manifest` against the spec's schema and against what `--help` shows.
@Suite("The manifest")
struct ManifestTests {
  /// The manifest, from the built binary.
  static func manifest(_ arguments: [String] = []) throws -> (
    result: TandemBinary.Result, data: [String: Any]
  ) {
    let result = try TandemBinary.run(["manifest"] + arguments)
    #expect(result.status == 0, "\(result.standardError)")
    return (result, result.data ?? [:])
  }

  @Test("is JSON in every output mode, valid against the manifest schema, in a valid envelope")
  func validAgainstSchema() throws {
    let (result, data) = try Self.manifest()
    // Asked in text mode, it is still the envelope.
    #expect(result.envelopeProblems().isEmpty, "\(result.envelopeProblems())")
    let schema = try #require(JSONSchema.manifest)
    let problems = schema.problems(data)
    #expect(problems.isEmpty, "\(problems)")
    let commands = try #require(data["commands"] as? [String: Any])
    #expect(commands.count > 20)
    // The validator itself refuses a manifest that breaks the schema.
    var broken = data
    var entry = commands["config.set"] as! [String: Any]
    entry["danger_level"] = "harmless"
    var brokenCommands = commands
    brokenCommands["config.set"] = entry
    broken["commands"] = brokenCommands
    #expect(!schema.problems(broken).isEmpty)
  }

  @Test("every command reachable through --help is in it, with every flag and argument help shows")
  func matchesHelp() throws {
    let commands = try #require(try Self.manifest().data["commands"] as? [String: [String: Any]])
    var visited = 0
    func visit(_ path: [String]) throws {
      let help = try TandemBinary.run(path + ["--help"])
      #expect(help.status == 0)
      let sections = Self.sections(of: help.standardOutput)
      if !path.isEmpty {
        visited += 1
        let key = path.joined(separator: ".")
        guard let entry = commands[key] else {
          Issue.record("\(key) is reachable through --help but not in the manifest")
          return
        }
        let flags = Set((entry["flags"] as? [String: Any] ?? [:]).keys)
        let shown =
          Self.names(in: sections["OPTIONS"] ?? [], prefix: "--")
          + Self.names(in: sections["GLOBAL OPTIONS (before or after the subcommand)"] ?? [], prefix: "--")
          + Self.names(in: sections["ARGUMENTS"] ?? [], prefix: "<")
        #expect(!shown.isEmpty)
        for name in shown {
          #expect(flags.contains(name), "\(key): --help shows \(name), the manifest does not")
        }
        let examples = (entry["examples"] as? [[String: String]] ?? []).map { $0["command"] ?? "" }
        let helpExamples = (sections["EXAMPLES"] ?? []).map { $0.trimmingCharacters(in: .whitespaces) }
          .filter { $0.hasPrefix("tandem ") }
        #expect(examples == helpExamples, "\(key): the examples of --help and of the manifest differ")
      }
      for name in Self.names(in: sections["SUBCOMMANDS"] ?? [], prefix: "") where name != "See" {
        try visit(path + [name])
      }
    }
    try visit([])
    #expect(visited >= 20)
    #expect(commands["manifest"] != nil, "the built-in itself is listed")
    #expect(commands["help"] != nil, "swift-argument-parser's built-in help is listed")
  }

  @Test("every command declares its danger level, and the destructive ones are the ones that remove")
  func dangerLevels() throws {
    let commands = try #require(try Self.manifest().data["commands"] as? [String: [String: Any]])
    let destructive = Set(commands.filter { $0.value["danger_level"] as? String == "destructive" }.keys)
    #expect(destructive == ["config.unset", "config.repair", "instances.remove", "auth.logout"])
    let safe = Set(commands.filter { $0.value["danger_level"] as? String == "safe" }.keys)
    for key in [
      "config.get", "config.list", "lock.status", "instances.list", "auth.status", "auth.list", "manifest",
    ] {
      #expect(safe.contains(key), "\(key) only reads")
    }
    for key in ["config.set", "lock.run", "run", "auth.login", "auth.token"] {
      #expect(commands[key]?["danger_level"] as? String == "mutating", "\(key) changes state")
    }
  }

  @Test("the exit code of each failure the tool really gives is declared for its command")
  func observedExitCodesAreDeclared() throws {
    let commands = try #require(try Self.manifest().data["commands"] as? [String: [String: Any]])
    let home = Home()
    try home.run(["config", "set", "a=1"])
    let holder = try home.start(["lock", "run", "--", "sleep", "60"], json: false)
    defer { kill(holder.pid, SIGTERM); _ = holder.wait() }
    #expect(try home.waitUntilHeld())
    let lines: [[String]] = [
      ["--lock-timeout", "0", "config", "set", "b=1"], ["--lock-timeout", "0", "lock", "run", "--", "true"],
      ["config", "get", "missing"], ["config", "set", "--if-revision", "9", "a=2"],
      ["config", "unset", "nope"],
      ["config", "set", "bad key=1"], ["instances", "remove", "nobody"], ["auth", "token"],
      ["auth", "status"],
      ["lock", "status", "--name", "../x"], ["auth", "logout", "--account", "nobody"],
    ]
    for line in lines {
      let result = try home.run(line)
      #expect(result.status != 0, "\(line) was meant to fail")
      let command = (result.envelope?["meta"] as? [String: Any])?["command"] as? String
      let key = command?.replacingOccurrences(of: " ", with: ".") ?? ""
      let declared = (commands[key]?["exit_codes"] as? [String: Any]) ?? [:]
      #expect(declared["\(result.status)"] != nil, "\(line) exited \(result.status), not declared for \(key)")
    }
  }

  @Test("the etag is stable across runs, and --etag with it answers not_modified with no data")
  func etag() throws {
    let first = try Self.manifest().data
    let second = try Self.manifest().data
    let etag = try #require(first["etag"] as? String)
    #expect(!etag.isEmpty)
    #expect(second["etag"] as? String == etag)
    let cached = try TandemBinary.run(["--output", "json", "manifest", "--etag", etag])
    #expect(cached.status == 0)
    #expect(cached.envelope?["data"] is NSNull)
    #expect((cached.envelope?["meta"] as? [String: Any])?["not_modified"] as? Bool == true)
    let stale = try TandemBinary.run(["manifest", "--etag", "0000"])
    #expect((stale.data?["commands"] as? [String: Any])?.isEmpty == false)
    let bad = try TandemBinary.run(["manifest", "--bogus"])
    #expect(bad.status == 2)
    #expect(bad.errorCode == "INVALID_ARGUMENT")
  }

  @Test("every example is a command line the parser accepts")
  func examplesParse() throws {
    let commands = try #require(try Self.manifest().data["commands"] as? [String: [String: Any]])
    var count = 0
    // `manifest` is answered before the parser: its examples are run in `etag()`.
    for (key, entry) in commands where key != "manifest" {
      for example in entry["examples"] as? [[String: String]] ?? [] {
        var words = Self.shellWords(example["command"] ?? "")
        #expect(words.first == "tandem", "\(key): \(example)")
        words.removeFirst()
        // A redirection belongs to the shell, not to the command line.
        if let redirect = words.firstIndex(of: "<") { words.removeSubrange(redirect...) }
        // Global options are taken out before the parser, as the tool does.
        let rest = try GlobalOptions.extract(from: words).1
        count += 1
        #expect(throws: Never.self, "\(key): \(example)") { _ = try Tandem.parseAsRoot(rest) }
      }
    }
    #expect(count >= 20)
  }

  /// `--help` text split into its sections (`OPTIONS`, `SUBCOMMANDS`, ...), each a list of
  /// its lines.
  static func sections(of help: String) -> [String: [String]] {
    var result: [String: [String]] = [:]
    var current = ""
    for line in help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if let first = line.first, first.isUppercase, line.hasSuffix(":") {
        current = String(line.dropLast())
        continue
      }
      result[current, default: []].append(line)
    }
    return result
  }

  /// The names at the start of section lines: `--if-revision` → `if-revision`,
  /// `<key=value>` → `key=value`, `set` → `set`.
  static func names(in lines: [String], prefix: String) -> [String] {
    lines.compactMap { line -> String? in
      guard line.hasPrefix("  "), !line.hasPrefix("     ") else { return nil }
      for word in line.split(separator: " ") {
        var word = String(word)
        if word.hasSuffix(",") { word.removeLast() }
        if prefix == "--", word.hasPrefix("--") { return String(word.dropFirst(2)) }
        if prefix == "<", word.hasPrefix("<") {
          return String(word.dropFirst().prefix { $0 != ">" })
        }
        if prefix.isEmpty { return word }
      }
      return nil
    }
  }

  /// A command line split as a shell would (single quotes only).
  static func shellWords(_ line: String) -> [String] {
    var words: [String] = []
    var current = ""
    var quoted = false
    var any = false
    for character in line {
      if character == "'" {
        quoted.toggle()
        any = true
      } else if character.isWhitespace && !quoted {
        if any || !current.isEmpty { words.append(current) }
        current = ""
        any = false
      } else {
        current.append(character)
      }
    }
    if any || !current.isEmpty { words.append(current) }
    return words
  }
}
