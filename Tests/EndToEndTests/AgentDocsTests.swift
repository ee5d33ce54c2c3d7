import ArgumentParser
import Foundation
import TandemCLI
import TandemTestSupport
import Testing

@testable import TandemCommands

/// AGENTS.md and the agent skill, checked against `tandem manifest` so that neither drifts
/// from the tool.
@Suite("AGENTS.md and the skill against the manifest")
struct AgentDocsTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()
  static let agentsFile = repository.appendingPathComponent("AGENTS.md").path
  static let skillFile = repository.appendingPathComponent("skills/tandem/SKILL.md").path

  /// The manifest's commands, by path.
  static func commands() throws -> [(String, [String: Any])] {
    let result = try TandemBinary.run(["manifest"])
    let data = try #require(result.data?["commands"] as? [String: [String: Any]])
    return data.keys.sorted().map { ($0, data[$0]!) }
  }

  /// The command table of AGENTS.md, from the manifest.
  static func table(_ commands: [(String, [String: Any])]) -> String {
    var lines = ["| Command | Danger | Arguments and options | Exit codes |", "|---|---|---|---|"]
    for (path, entry) in commands {
      let flags = (entry["flags"] as? [String: [String: Any]]) ?? [:]
      let own = flags.filter { name, flag in
        !((flag["description"] as? String)?.hasPrefix("Global option.") ?? false) && name != "help"
          && name != "version"
      }
      .map { name, flag in
        ((flag["description"] as? String)?.hasPrefix("Positional") ?? false) ? "`<\(name)>`" : "`--\(name)`"
      }
      .sorted()
      let codes = ((entry["exit_codes"] as? [String: Any]) ?? [:]).keys.compactMap { Int($0) }.sorted()
      lines.append(
        "| `tandem \(path.replacingOccurrences(of: ".", with: " "))` | \(entry["danger_level"] as? String ?? "") | "
          + own.joined(separator: " ") + " | " + codes.map(String.init).joined(separator: " ") + " |")
    }
    return lines.joined(separator: "\n")
  }

  @Test("the command table of AGENTS.md is the manifest's (TANDEM_UPDATE_AGENT_DOCS=1 rewrites it)")
  func commandTable() throws {
    let expected = Self.table(try Self.commands())
    var text = try String(contentsOfFile: Self.agentsFile, encoding: .utf8)
    let begin = try #require(text.range(of: "<!-- manifest:begin -->\n"))
    let end = try #require(text.range(of: "<!-- manifest:end -->"))
    let current = String(text[begin.upperBound..<end.lowerBound])
    if ProcessInfo.processInfo.environment["TANDEM_UPDATE_AGENT_DOCS"] == "1" {
      text.replaceSubrange(begin.upperBound..<end.lowerBound, with: expected + "\n")
      try text.write(toFile: Self.agentsFile, atomically: true, encoding: .utf8)
      return
    }
    #expect(
      current == expected + "\n",
      "AGENTS.md's command table drifted from the manifest; expected:\n\(expected)")
  }

  @Test("every tandem command line in AGENTS.md and the skill parses, and every option they name exists")
  func commandLinesAndOptions() throws {
    let commands = try Self.commands()
    let allFlags = Set(commands.flatMap { ($0.1["flags"] as? [String: Any] ?? [:]).keys })
    for file in [Self.agentsFile, Self.skillFile] {
      var text = try String(contentsOfFile: file, encoding: .utf8)
      // The generated table names commands, not command lines.
      if let begin = text.range(of: "<!-- manifest:begin -->"),
        let end = text.range(of: "<!-- manifest:end -->")
      {
        text.removeSubrange(begin.lowerBound..<end.upperBound)
      }
      // Every `--option` named anywhere.
      let pattern = try NSRegularExpression(pattern: "(?<![A-Za-z0-9-])--([a-z][a-z0-9-]*)")
      for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        let name = String(text[Range(match.range(at: 1), in: text)!])
        #expect(allFlags.contains(name), "\(file) names --\(name), which no command has")
      }
      // Every command line in a code block or in backticks parses.
      var lines: [String] = []
      var inBlock = false
      for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("```") {
          inBlock.toggle()
          continue
        }
        if inBlock, line.hasPrefix("tandem ") { lines.append(String(line)) }
      }
      let inline = try NSRegularExpression(pattern: "`(tandem [^`]*)`")
      for match in inline.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        lines.append(String(text[Range(match.range(at: 1), in: text)!]))
      }
      #expect(lines.count >= 10, "\(file)")
      for line in lines {
        var words = ManifestTests.shellWords(String(line.split(separator: "#").first ?? ""))
        words.removeFirst()
        // A redirection belongs to the shell.
        if let redirect = words.firstIndex(of: "<") { words.removeSubrange(redirect...) }
        if words.first == "manifest" || words.isEmpty { continue }
        words = words.map { word in
          // Placeholders stand for values.
          word.allSatisfy { $0.isUppercase || $0 == "=" || $0 == "_" }
            ? word.replacingOccurrences(of: "KEY", with: "k")
              .replacingOccurrences(of: "VALUE", with: "v").replacingOccurrences(of: "N", with: "1")
              .replacingOccurrences(of: "G", with: "1") : word
        }
        // Global options are taken out before the parser, as the tool does.
        let rest = try GlobalOptions.extract(from: words).1
        #expect(throws: Never.self, "\(file): \(line)") { _ = try Tandem.parseAsRoot(rest) }
      }
    }
  }

  @Test("the skill has its frontmatter and names every command of the manifest")
  func skill() throws {
    let text = try String(contentsOfFile: Self.skillFile, encoding: .utf8)
    #expect(text.hasPrefix("---\nname: tandem\ndescription: "))
    let frontmatter = text.split(separator: "\n").prefix(4)
    #expect(frontmatter.contains("---"))
    for (path, entry) in try Self.commands()
    where entry["subcommands"] == nil && path != "help" && path != "demo" {
      let words = path.split(separator: ".").joined(separator: " ")
      #expect(text.contains(words), "the skill does not mention \(words)")
    }
    #expect(text.contains("## When to use"))
    #expect(text.contains("## Failure handling"))
  }
}
