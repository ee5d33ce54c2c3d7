import Foundation

/// The command lines of a Markdown file's shell blocks (```` ```sh ````, `bash`, `shell`,
/// `console`, `zsh`), as a reader would type them.
///
/// A line ending in `\` continues on the next; blank lines and comment lines are left out,
/// and a trailing `# comment` is kept apart from the command. In a `console` block only lines
/// starting with `$ ` are commands, and the lines after one, up to the next prompt, are the
/// output the block shows for it.
struct ReadmeExamples {
  /// One command line of a shell block.
  struct Line: Sendable, CustomStringConvertible {
    /// The command, without its trailing comment, with runs of spaces made one.
    var command: String
    /// The trailing comment, if any.
    var comment: String?
    /// The Markdown line it starts on (1-based).
    var lineNumber: Int
    /// The output a `console` block shows for it.
    var shownOutput: String?

    var description: String { "README.md:\(lineNumber): \(command)" }

    /// Every `tandem` invocation in the command, as words: the command itself, and those
    /// after `|`, `;`, `&&`, `||` or inside `$(...)`.
    var tandemInvocations: [[String]] { ReadmeExamples.tandemInvocations(in: command) }
  }

  /// The languages whose blocks are shell examples.
  static let shellLanguages: Set<String> = ["sh", "bash", "shell", "console", "zsh"]

  /// The command lines of `markdown`'s shell blocks, in order.
  static func lines(in markdown: String) -> [Line] {
    var result: [Line] = []
    var language: String?
    var inBlock = false
    var pending: (text: String, number: Int)?
    for (index, raw) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let text = String(raw)
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("```") {
        if inBlock {
          inBlock = false
          language = nil
        } else {
          inBlock = true
          language = String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces).lowercased()
        }
        pending = nil
        continue
      }
      guard inBlock, let language, shellLanguages.contains(language) else { continue }
      var content = text
      if language == "console" {
        guard content.hasPrefix("$ ") || pending != nil else {
          // Output shown for the last command.
          if !result.isEmpty {
            result[result.count - 1].shownOutput = (result.last!.shownOutput ?? "") + text + "\n"
          }
          continue
        }
        if pending == nil { content.removeFirst(2) }
      }
      if let (before, number) = pending {
        content = before + " " + content.trimmingCharacters(in: .whitespaces)
        pending = nil
        if content.hasSuffix("\\") {
          pending = (String(content.dropLast()), number)
          continue
        }
        result.append(line(content, number: number))
        continue
      }
      let stripped = content.trimmingCharacters(in: .whitespaces)
      if stripped.isEmpty || stripped.hasPrefix("#") { continue }
      if stripped.hasSuffix("\\") {
        pending = (String(stripped.dropLast()), index + 1)
        continue
      }
      result.append(line(stripped, number: index + 1))
    }
    return result
  }

  /// A line split into its command and its trailing comment (a `#` after a space, outside
  /// quotes).
  static func line(_ text: String, number: Int) -> Line {
    var quote: Character?
    var previous: Character = " "
    var commentStart: String.Index?
    for index in text.indices {
      let character = text[index]
      if let open = quote {
        if character == open { quote = nil }
      } else if character == "'" || character == "\"" {
        quote = character
      } else if character == "#", previous.isWhitespace {
        commentStart = index
        break
      }
      previous = character
    }
    let command = commentStart.map { String(text[..<$0]) } ?? text
    let comment = commentStart.map {
      String(text[text.index(after: $0)...]).trimmingCharacters(in: .whitespaces)
    }
    return Line(command: collapsed(command), comment: comment, lineNumber: number)
  }

  /// `text` without leading and trailing spaces, and runs of spaces outside quotes made one.
  static func collapsed(_ text: String) -> String {
    var result = ""
    var quote: Character?
    for character in text.trimmingCharacters(in: .whitespaces) {
      if let open = quote {
        if character == open { quote = nil }
      } else if character == "'" || character == "\"" {
        quote = character
      } else if character == " ", result.last == " " {
        continue
      }
      result.append(character)
    }
    return result
  }

  /// The `tandem` invocations of a command line, as words.
  static func tandemInvocations(in command: String) -> [[String]] {
    // A `tandem` at the start, after a separator, or at the start of a `$(...)`; it runs up
    // to the next separator or the `)` that closes the substitution.
    let pattern = try! NSRegularExpression(pattern: #"(?:^|[;|&]\s*|\$\()(tandem(?:\s[^;|&)]*)?)"#)
    return pattern.matches(in: command, range: NSRange(command.startIndex..., in: command)).map { match in
      words(String(command[Range(match.range(at: 1), in: command)!]))
    }
  }

  /// Shell words: split at spaces outside quotes, quotes removed (no expansion).
  static func words(_ text: String) -> [String] {
    var words: [String] = []
    var current = ""
    var quote: Character?
    var any = false
    for character in text {
      if let open = quote {
        if character == open { quote = nil } else { current.append(character) }
      } else if character == "'" || character == "\"" {
        quote = character
        any = true
      } else if character.isWhitespace {
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
