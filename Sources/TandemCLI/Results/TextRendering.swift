public import TandemState

/// The default text rendering of a result that does not give its own: `name: value` lines
/// for an object, one line per element for an array, the value itself for a scalar.
///
/// Values are escaped with ``TextEscaping/escape(_:)``, so stored data can neither forge
/// lines nor drive a terminal. Nested objects and arrays inside an object are shown as
/// compact JSON on their line.
public enum TextRendering {
  /// `value` as text, without a final newline.
  public static func render(_ value: JSONValue) -> String {
    switch value {
    case .object(let members):
      return members.map { "\(TextEscaping.escape($0.0)): \(scalar($0.1))" }.joined(with: "\n")
    case .array(let elements):
      return elements.map { element -> String in
        if case .object(let members) = element {
          return members.map { "\(TextEscaping.escape($0.0))=\(scalar($0.1))" }.joined(with: " ")
        }
        return scalar(element)
      }.joined(with: "\n")
    default:
      return scalar(value)
    }
  }

  /// One value on one line.
  static func scalar(_ value: JSONValue) -> String {
    switch value {
    case .null: return "-"
    case .bool(let flag): return flag ? "true" : "false"
    case .integer(let number): return String(number)
    case .double(let number): return String(number)
    case .string(let text): return TextEscaping.escape(text)
    case .array, .object: return TextEscaping.escape(JSONWriter.compact(value))
    }
  }
}
