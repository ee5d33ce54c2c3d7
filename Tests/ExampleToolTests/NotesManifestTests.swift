import Foundation
import TandemTestSupport
import Testing

/// The manifest TandemCLI gives a tool that did nothing for it but declare its contracts.
@Suite("notes manifest")
struct NotesManifestTests {
  @Test("is valid against the spec, in notes' own names: --format is global, export's --output its own")
  func manifest() throws {
    let result = try BuiltProduct.notes.run(["manifest"])
    #expect(result.status == 0)
    #expect(result.envelopeProblems().isEmpty, "\(result.envelopeProblems())")
    let data = try #require(result.data)
    let problems = try #require(JSONSchema.manifest).problems(data)
    #expect(problems.isEmpty, "\(problems)")
    let commands = try #require(data["commands"] as? [String: [String: Any]])
    #expect(Set(commands.keys) == ["add", "list", "remove", "export", "repair", "help", "manifest"])
    let export = try #require(commands["export"]?["flags"] as? [String: [String: Any]])
    #expect((export["format"]?["description"] as? String)?.hasPrefix("Global option.") == true)
    #expect(export["format"]?["enum_values"] as? [String] == ["text", "json"])
    #expect((export["output"]?["description"] as? String)?.hasPrefix("Global option.") == false)
    #expect(commands["remove"]?["danger_level"] as? String == "destructive")
    let add = try #require(commands["add"]?["flags"] as? [String: [String: Any]])
    #expect(add["if-revision"]?["type"] as? String == "integer")
    #expect(add["scope"]?["type"] as? String == "enum")
    // A notebook another process holds: exit 6, which add declares.
    #expect((commands["add"]?["exit_codes"] as? [String: Any])?["6"] != nil)
  }
}
