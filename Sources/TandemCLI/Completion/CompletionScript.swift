import ArgumentParser

/// `TOOL --generate-completion-script [SHELL]`: swift-argument-parser's completion script,
/// generated from the tool's command tree with the global options added to every command
/// (see ``CompletionTree``).
enum CompletionScript {
  /// The flag swift-argument-parser answers with a completion script.
  static let flag = "--generate-completion-script"

  /// The script `arguments` (global options taken out) ask for, or `nil` when they are not
  /// exactly a completion request for a shell the generator knows: then swift-argument-parser
  /// answers as it would (an unknown shell, a shell it cannot detect).
  static func requested<Root: TandemTool>(by arguments: [String], root: Root.Type) -> String? {
    let shell: CompletionShell?
    switch arguments.count {
    case 1 where arguments[0] == flag:
      shell = .autodetected()
    case 1 where arguments[0].hasPrefix(flag + "="):
      shell = CompletionShell(rawValue: String(arguments[0].dropFirst(flag.count + 1)))
    case 2 where arguments[0] == flag:
      shell = CompletionShell(rawValue: arguments[1])
    default:
      shell = nil
    }
    guard let shell else { return nil }
    return CompletionTree<Root, Root>.completionScript(for: shell)
  }
}
