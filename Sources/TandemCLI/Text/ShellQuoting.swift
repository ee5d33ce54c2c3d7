/// Quoting for command lines shown to people and agents.
package enum ShellQuoting {
  /// `word` as the shell would need it: unchanged when safe, else in single quotes.
  package static func quote(_ word: String) -> String {
    let safe =
      !word.isEmpty
      && word.utf8.allSatisfy { byte in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
          || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-_./=:,@%+".utf8.contains(byte)
      }
    if safe { return word }
    return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
  }
}
