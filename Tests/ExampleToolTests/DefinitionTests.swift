import TandemCLI
import Testing

@testable import notes

@Suite("notes' command tree")
struct DefinitionTests {
  @Test("no command declares an option with a global option's name (export's --output is its own)")
  func noCollisions() {
    #expect(OptionCollisions.problem(in: Notes.self, names: Notes.globalOptionNames) == nil)
    // With the standard names, export's own --output would collide: the check sees it.
    #expect(OptionCollisions.find(in: Notes.self, names: .standard).map(\.flag) == ["--output"])
  }
}
