/// The name of an agent's own namespace, as given with `--instance-id`.
///
/// An instance id becomes a directory name under the state home, so it is checked before
/// any path is built: `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`, and never `.` or `..`.
public struct InstanceID: Hashable, Sendable, CustomStringConvertible {
  /// The validated id.
  public let rawValue: String

  /// Validates `rawValue`, throwing ``StateError/Code/invalidArgument`` for anything that
  /// could escape the home directory or collide with its layout.
  public init(_ rawValue: String) throws(StateError) {
    try Self.validateName(rawValue, kind: "instance id")
    self.rawValue = rawValue
  }

  /// Throws ``StateError/Code/invalidArgument`` unless `text` is a valid name of `kind`
  /// (instance ids and lock names follow the same rule).
  package static func validateName(_ text: String, kind: String) throws(StateError) {
    guard isValid(text) else {
      var error = StateError(.invalidArgument, "invalid \(kind) \(quoted(text)): \(rule)")
      error.fixRequired = "pass \(article(kind)) \(kind) matching \(pattern)"
      throw error
    }
  }

  /// What a valid name is, as a message says it.
  package static let rule = "use 1 to 64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit"

  /// The pattern a valid name matches.
  package static let pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

  /// `an` before a vowel (`an instance id`, `an account name`), else `a` (`a lock name`).
  private static func article(_ noun: String) -> String {
    guard let first = noun.unicodeScalars.first else { return "a" }
    return "aeiouAEIOU".unicodeScalars.contains(first) ? "an" : "a"
  }

  public var description: String { rawValue }

  /// Whether `text` is a valid name for an instance or a named lock.
  public static func isValid(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard (1...64).contains(bytes.count), text != ".", text != ".." else { return false }
    for (position, byte) in bytes.enumerated() {
      let isAlphanumeric =
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      if position == 0 {
        guard isAlphanumeric else { return false }
      } else {
        guard
          isAlphanumeric || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
        else { return false }
      }
    }
    return true
  }

  /// Quotes untrusted text for a message, escaping control characters and cutting it short.
  package static func quoted(_ text: String) -> String {
    let shown =
      text.unicodeScalars.count > 80
      ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(80))) + "…" : text
    return JSONWriter.compact(.string(shown))
  }
}
