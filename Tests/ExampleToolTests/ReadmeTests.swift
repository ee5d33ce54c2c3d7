import Foundation
import Testing

/// The README's "For tool authors" section and TandemCLI's getting-started article
/// (Sources/TandemCLI/TandemCLI.docc/GettingStarted.md) are built from Examples/notes: each
/// Swift block in them must be found, as it is, in the example's sources, so that they
/// cannot drift apart.
///
/// A block may leave out parts of a file: a line `// ...` splits it into pieces, found in
/// that order in the same file. Lines are compared without their leading and trailing
/// spaces, and blank lines are ignored.
@Suite("The README's section for tool authors and the getting-started article")
struct ReadmeTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The section's Swift blocks, as lines.
  static func swiftBlocks() throws -> [[String]] {
    let readme = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
    guard let start = readme.range(of: "\n## For tool authors\n") else { return [] }
    let rest = readme[start.upperBound...]
    return swiftBlocks(in: rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest)
  }

  /// The Swift blocks of a Markdown text, as lines.
  static func swiftBlocks(in section: Substring) -> [[String]] {
    var blocks: [[String]] = []
    var current: [String]?
    for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
      if current == nil, line.trimmingCharacters(in: .whitespaces) == "```swift" {
        current = []
      } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
        blocks.append(current!)
        current = nil
      } else if current != nil {
        current!.append(String(line))
      }
    }
    return blocks
  }

  /// The example's sources, by path, as normalized lines.
  static func sources() throws -> [(String, [String])] {
    let root = repository.appendingPathComponent("Examples/notes")
    let paths = (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? [])
      .filter { $0.hasSuffix(".swift") }.sorted()
    return try paths.map { path in
      (
        "Examples/notes/" + path,
        normalized(
          try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            .components(separatedBy: "\n"))
      )
    }
  }

  static func normalized(_ lines: [String]) -> [String] {
    lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// Whether `pieces` appear in `lines`, each as consecutive lines, in order.
  static func contains(_ lines: [String], pieces: [[String]]) -> Bool {
    var from = 0
    for piece in pieces where !piece.isEmpty {
      guard
        let found = (from..<max(from, lines.count - piece.count + 1)).first(where: {
          Array(lines[$0..<$0 + piece.count]) == piece
        })
      else { return false }
      from = found + piece.count
    }
    return true
  }

  /// Expects every block to be found in one file of Examples/notes.
  static func expectExcerpts(_ blocks: [[String]]) throws {
    let sources = try Self.sources()
    #expect(!sources.isEmpty)
    for block in blocks {
      let pieces = block.split(whereSeparator: { $0.trimmingCharacters(in: .whitespaces) == "// ..." })
        .map { Self.normalized(Array($0)) }
      let home = sources.first { Self.contains($0.1, pieces: pieces) }
      #expect(home != nil, "not found in Examples/notes:\n\(block.joined(separator: "\n"))")
    }
  }

  @Test("every Swift block of the section is an excerpt of Examples/notes")
  func blocksAreExcerpts() throws {
    let blocks = try Self.swiftBlocks()
    #expect(
      blocks.count >= 4, "the section shows the tool's root, a command, the async command and main.swift")
    try Self.expectExcerpts(blocks)
  }

  @Test("every Swift block of the DocC getting-started article is an excerpt of Examples/notes")
  func articleBlocksAreExcerpts() throws {
    let article = try String(
      contentsOf: Self.repository.appendingPathComponent(
        "Sources/TandemCLI/TandemCLI.docc/GettingStarted.md"),
      encoding: .utf8)
    let blocks = Self.swiftBlocks(in: article[...])
    #expect(
      blocks.count >= 6,
      "the article shows the tool's root, main.swift, the state, a command, the async command and the advice")
    try Self.expectExcerpts(blocks)
  }
}
