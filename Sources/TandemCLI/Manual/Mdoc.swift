/// Text made safe for mdoc, the manual-page language `man` renders (mdoc(7)).
enum Mdoc {
  /// Prose as text lines: each paragraph its own, separated by `.Pp`; backslashes written
  /// `\e`, and a line that would start with `.` or `'` (a request) started with `\&`.
  static func prose(_ text: String) -> String {
    var lines: [String] = []
    var paragraph: [String] = []
    func close() {
      guard !paragraph.isEmpty else { return }
      if !lines.isEmpty { lines.append(".Pp") }
      lines += paragraph
      paragraph = []
    }
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = raw.drop { $0 == " " || $0 == "\t" }
      if line.isEmpty {
        close()
        continue
      }
      var escaped = String(line).replacingAll("\\", with: "\\e")
      if escaped.hasPrefix(".") || escaped.hasPrefix("'") { escaped = "\\&" + escaped }
      paragraph.append(unhyphenated(escaped))
    }
    close()
    return lines.joined(separator: "\n")
  }

  /// The line with `\%` before each word to type rather than read (an option, an error
  /// code, a variable, a path), so that the formatter never splits it with a hyphen.
  private static func unhyphenated(_ line: String) -> String {
    line.split(separator: " ", omittingEmptySubsequences: false).map { word in
      word.contains("_") || word.contains("/") || word.hasPrefix("-") ? "\\%" + word : String(word)
    }.joined(separator: " ")
  }

  /// One argument of a macro line: quoted, with `\&` first so that a word such as `Ar` is
  /// never taken for a macro.
  static func argument(_ text: String) -> String {
    "\"\\&" + text.replacingAll("\\", with: "\\e").replacingAll("\"", with: "\\(dq") + "\""
  }

  /// A literal display: each line as it is (for example command lines).
  static func literal(_ lines: [String]) -> String {
    let body = lines.map { line -> String in
      let escaped = line.replacingAll("\\", with: "\\e")
      return escaped.hasPrefix(".") || escaped.hasPrefix("'") ? "\\&" + escaped : escaped
    }
    return ([".Bd -literal -offset indent"] + body + [".Ed"]).joined(separator: "\n")
  }
}

extension String {
  /// The string with every `target` replaced (TandemCLI does without Foundation).
  fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
    guard contains(target) else { return self }
    var result = ""
    for character in self {
      if character == target { result += replacement } else { result.append(character) }
    }
    return result
  }
}
