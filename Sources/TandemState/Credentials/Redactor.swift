/// Removes secrets from text that came from outside (a provider's `error_description`, a
/// helper's standard error) before it reaches a message.
///
/// Providers echo what they were sent, and helpers print what they like; neither can be
/// trusted to keep a secret out of its own output. Two passes: every known secret (the
/// stored tokens, the client secret, also as they look form-encoded) is replaced wherever
/// it occurs, and then every token-shaped word: a run of at least
/// ``minimumTokenLength`` characters of the token alphabet (`A-Z a-z 0-9 - . _ ~ + =`)
/// with both letters and digits, as JWTs, opaque tokens and API keys are. `/` ends a run, so
/// that file paths in a helper's messages stay readable; a known secret is replaced whole
/// whatever it contains.
struct Redactor: Sendable {
  /// What replaces a secret.
  static let replacement = "[REDACTED]"
  /// The shortest run taken for a token when no known secret matched it.
  static let minimumTokenLength = 20
  /// Known secrets shorter than this are left to the token-shaped pass: replacing every
  /// occurrence of, say, `ab` would garble the message without protecting anything.
  static let minimumSecretLength = 4

  private let secrets: [String]

  /// A redactor for `secrets` (nil and short entries are ignored) and every token-shaped word.
  init(secrets: [String?] = []) {
    var known: [String] = []
    for case let secret? in secrets where secret.utf8.count >= Self.minimumSecretLength {
      known.append(secret)
      let encoded = OAuthRefresher.formEncode(secret)
      if encoded != secret { known.append(encoded) }
    }
    // Longest first, so that a secret containing another is replaced whole.
    self.secrets = known.sorted { $0.utf8.count > $1.utf8.count }
  }

  /// `text` without the known secrets and token-shaped words: for text from outside.
  func redact(_ text: String) -> String {
    Self.redactingTokenShapedWords(redactKnownSecrets(text))
  }

  /// `text` without the known secrets only: for messages tandem composed itself, whose
  /// paths, URLs and names must stay readable.
  func redactKnownSecrets(_ text: String) -> String {
    var result = text
    for secret in secrets { result = Self.replacing(secret, in: result) }
    return result
  }

  /// Every occurrence of `needle` in `text` replaced, without Foundation.
  static func replacing(_ needle: String, in text: String) -> String {
    let haystack = Array(text.utf8)
    let pattern = Array(needle.utf8)
    guard !pattern.isEmpty, haystack.count >= pattern.count else { return text }
    var output: [UInt8] = []
    output.reserveCapacity(haystack.count)
    var index = 0
    while index < haystack.count {
      if index + pattern.count <= haystack.count, haystack[index] == pattern[0],
        haystack[index..<(index + pattern.count)].elementsEqual(pattern)
      {
        output += Array(replacement.utf8)
        index += pattern.count
      } else {
        output.append(haystack[index])
        index += 1
      }
    }
    return String(decoding: output, as: UTF8.self)
  }

  static func redactingTokenShapedWords(_ text: String) -> String {
    let bytes = Array(text.utf8)
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count)
    var start = 0
    func flush(_ end: Int) {
      guard start < end else { return }
      let run = bytes[start..<end]
      let hasLetter = run.contains { isLetter($0) }
      let hasDigit = run.contains { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
      if run.count >= minimumTokenLength && hasLetter && hasDigit {
        output += Array(replacement.utf8)
      } else {
        output += run
      }
    }
    for (index, byte) in bytes.enumerated() where !isTokenCharacter(byte) {
      flush(index)
      output.append(byte)
      start = index + 1
    }
    flush(bytes.count)
    return String(decoding: output, as: UTF8.self)
  }

  private static func isLetter(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
      || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
  }

  private static func isTokenCharacter(_ byte: UInt8) -> Bool {
    isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-._~+=".utf8.contains(byte)
  }
}
