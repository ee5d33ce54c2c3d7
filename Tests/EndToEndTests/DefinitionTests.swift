import TandemCLI
import Testing

@testable import TandemCommands

@Suite("tandem's command tree")
struct DefinitionTests {
  @Test("no command declares an option with a global option's name")
  func noCollisions() {
    #expect(OptionCollisions.problem(in: Tandem.self, names: Tandem.globalOptionNames) == nil)
  }
}
