/// Escaping of stored data for text output, so that a value can neither forge lines nor
/// reach a terminal as control sequences.
///
/// Text mode prints keys, values, instance ids, paths and lock holders' commands in line
/// formats such as `key=value`; a value holding a newline could otherwise add a line of its
/// own, and one holding `ESC` could drive the reader's terminal. Every such field goes
/// through ``escape(_:)``. JSON output needs none of this: its strings are already escaped,
/// and exact.
///
/// The form is C-style and unambiguous (it can be undone):
///
/// | character | written as |
/// |---|---|
/// | `\` | `\\` |
/// | newline, tab, carriage return | `\n`, `\t`, `\r` |
/// | other C0 controls (U+0000–U+001F), DEL (U+007F) | `\xHH`, e.g. `\x1b` for escape |
/// | C1 controls (U+0080–U+009F), line and paragraph separators (U+2028, U+2029), bidirectional controls (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) | `\uHHHH`, e.g. `\u202e` |
///
/// Everything else, including all other non-ASCII text, is printed as it is. Hex digits are
/// lower case.
public enum TextEscaping {
  /// `text` with backslashes and control characters escaped (see ``TextEscaping``).
  public static func escape(_ text: String) -> String {
    // The common case, plain text, costs one scan and no copy.
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 8)
    for scalar in text.unicodeScalars {
      guard needsEscape(scalar) else {
        result.unicodeScalars.append(scalar)
        continue
      }
      switch scalar {
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\t": result += "\\t"
      case "\r": result += "\\r"
      default:
        if scalar.value < 0x80 {
          result += "\\x" + hex(scalar.value, digits: 2)
        } else {
          result += "\\u" + hex(scalar.value, digits: 4)
        }
      }
    }
    return result
  }

  /// Whether `scalar` is written escaped.
  static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x5C, 0x7F...0x9F: return true
    case 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
    default: return false
    }
  }

  private static func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
  }
}
