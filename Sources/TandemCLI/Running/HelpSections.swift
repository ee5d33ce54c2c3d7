import ArgumentParser
import TandemState

/// What TandemCLI adds to the help swift-argument-parser prints: the command's examples,
/// the global options (declared once for the whole tool), and at the top level the
/// built-in `manifest`.
enum HelpSections {
  /// `help`, for the command `arguments` address, with the sections added.
  static func appended<Root: TandemTool>(to help: String, root: Root.Type, arguments: [String]) -> String {
    var text = help.hasSuffix("\n") ? help : help + "\n"
    let target = CommandLineAdvice.target(in: root, arguments: arguments)
    if let contract = (target.command as? any ContractedCommand.Type)?.contract, !contract.examples.isEmpty {
      text += "\nEXAMPLES:\n"
      for example in contract.examples {
        text += "  # \(example.description)\n  \(Root.identity.name) \(example.arguments)\n"
      }
    }
    if target.path.isEmpty {
      text += "\nFOR AGENTS:\n  \(Root.identity.name) \(Manifest.commandName)  \(Manifest.abstract)\n"
    }
    return GlobalOptionsHelp.appended(to: text, tool: Root.identity, names: Root.globalOptionNames)
  }
}
