import Foundation
import TandemTestSupport
import Testing

@Suite("notes --instance-id namespaces")
struct NamespaceTests {
  @Test("an instance's notes stay in its namespace; its reads are layered over the shared notes")
  func namespaces() throws {
    let home = NotesHome()
    try #require(try home.run(["add", "shared-note"]).status == 0)
    try #require(try home.run(["add", "a-note"], instance: "a").status == 0)
    // The variable is the tool's own: NOTES_INSTANCE_ID.
    try #require(try home.run(["add", "b-note"], environment: ["NOTES_INSTANCE_ID": "b"]).status == 0)

    #expect(try home.notes() == [Listed(scope: "shared", id: 1, text: "shared-note")])
    #expect(
      try home.notes(instance: "a") == [
        Listed(scope: "instance", id: 1, text: "a-note"), Listed(scope: "shared", id: 1, text: "shared-note"),
      ])
    #expect(
      try home.notes(instance: "b", scope: "instance") == [Listed(scope: "instance", id: 1, text: "b-note")])
    #expect(
      try home.notes(instance: "a", scope: "shared") == [Listed(scope: "shared", id: 1, text: "shared-note")])

    // An instance writes the shared notebook only when it says so.
    try #require(try home.run(["add", "--scope", "shared", "from-a"], instance: "a").status == 0)
    #expect(try home.notes().map(\.text) == ["shared-note", "from-a"])

    // Each notebook has its own file and revision.
    let listing = try home.run(["list"], instance: "a")
    let revisions = try #require(listing.data?["revisions"] as? [String: Any])
    #expect(revisions["instance"] as? Int == 1)
    #expect(revisions["shared"] as? Int == 2)
    #expect(home.directory.contents("home/notes.json") != nil)
    #expect(home.directory.contents("home/instances/a/notes.json") != nil)
    #expect(home.directory.contents("home/instances/b/notes.json") != nil)

    // An instance-only read without an instance is an argument error.
    let noInstance = try home.run(["list", "--scope", "instance"])
    #expect(noInstance.status == 2)
    #expect((noInstance.error?["message"] as? String)?.contains("--instance-id") == true)
  }
}
