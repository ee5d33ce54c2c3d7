import ArgumentParser
import TandemState

/// What the command line a parse failed on was probably meant to be: the command it
/// addresses, the command a mistyped word is close to, a command line missing its `--`.
enum CommandLineAdvice {
  /// The command that `arguments` (global options already taken out) address: the deepest
  /// command whose words lead the non-option arguments (after a leading `help`), and the
  /// first word that named no subcommand of it.
  static func target(
    in root: any ParsableCommand.Type, arguments: [String]
  ) -> (command: any ParsableCommand.Type, path: [String], unmatched: String?) {
    var words = arguments.prefix { $0 != "--" }.filter { !$0.hasPrefix("-") }
    if words.first == "help" { words.removeFirst() }
    var command = root
    var path: [String] = []
    for word in words {
      guard
        let child = command.configuration.subcommands.first(where: { child in
          name(of: child) == word || child.configuration.aliases.contains(word)
        })
      else {
        return (command, path, command.configuration.subcommands.isEmpty ? nil : word)
      }
      command = child
      path.append(word)
    }
    return (command, path, nil)
  }

  /// The name a subcommand is called by.
  static func name(of command: any ParsableCommand.Type) -> String {
    command.configuration.commandName ?? ArgumentValueType.kebabCase(String(describing: command))
  }

  /// The subcommand of `command` closest to `word` (an edit distance of at most 2, or a
  /// prefix of it), for "did you mean".
  static func closest(to word: String, among command: any ParsableCommand.Type) -> String? {
    guard !word.isEmpty else { return nil }
    let names = command.configuration.subcommands.map(name(of:))
    // At most 2 edits, and fewer than the word has characters: `x` is not a typo of `env`.
    let allowed = min(2, max(1, word.count - 1))
    let scored = names.map { ($0, distance(word, $0)) }.filter { $0.1 <= allowed || $0.0.hasPrefix(word) }
    return scored.min { $0.1 < $1.1 }?.0
  }

  /// The Levenshtein distance between two words.
  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...b.count {
        current[j] = min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }

  /// The option names of `command` (`--name`, `-n`): those that take a value, and flags.
  static func options(of command: any ParsableCommand.Type) -> (valued: Set<String>, flags: Set<String>) {
    var valued: Set<String> = []
    var flags: Set<String> = []
    guard let arguments = try? JSONParser.parse(command._dumpHelp())["command"]?["arguments"],
      case .array(let list) = arguments
    else { return (valued, flags) }
    for argument in list {
      guard case .array(let names) = argument["names"] ?? .null else { continue }
      for name in names {
        guard let text = name["name"]?.stringValue else { continue }
        let spelled = (name["kind"]?.stringValue == "short" ? "-" : "--") + text
        if argument["kind"]?.stringValue == "option" { valued.insert(spelled) } else { flags.insert(spelled) }
      }
    }
    return (valued, flags)
  }

  /// Whether `command` takes the rest of the line after `--` as one argument (as `lock run
  /// -- CMD ARGS` does), read from swift-argument-parser's own description of it.
  static func takesCommandAfterTerminator(_ command: any ParsableCommand.Type) -> Bool {
    guard let arguments = try? JSONParser.parse(command._dumpHelp())["command"]?["arguments"],
      case .array(let list) = arguments
    else { return false }
    return list.contains { $0["parsingStrategy"]?.stringValue == "postTerminator" }
  }
}
