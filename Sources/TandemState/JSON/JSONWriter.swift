/// Serializes ``JSONValue``s to compact or indented UTF-8 text.
///
/// The text is built as bytes in one growing buffer, and a string with nothing to escape is
/// copied in one piece: the cost is linear in the output, which matters for documents of
/// thousands of keys (docs/benchmarks.md).
package enum JSONWriter {
  /// Compact JSON on one line, as agents read it.
  package static func compact(_ value: JSONValue) -> String {
    String(decoding: compactUTF8(value), as: UTF8.self)
  }

  /// Indented JSON, for files a person may open.
  package static func pretty(_ value: JSONValue) -> String {
    String(decoding: prettyUTF8(value), as: UTF8.self)
  }

  /// ``compact(_:)`` as UTF-8 bytes.
  package static func compactUTF8(_ value: JSONValue) -> [UInt8] {
    var out = ByteBuffer(capacity: 256)
    write(value, into: &out, indent: false, level: 0)
    return out.bytes()
  }

  /// ``pretty(_:)`` as UTF-8 bytes.
  package static func prettyUTF8(_ value: JSONValue) -> [UInt8] {
    var out = ByteBuffer(capacity: 256)
    write(value, into: &out, indent: true, level: 0)
    return out.bytes()
  }

  private static func write(_ value: JSONValue, into out: inout ByteBuffer, indent: Bool, level: Int) {
    switch value {
    case .null: out.append("null")
    case .bool(let flag): out.append(flag ? "true" : "false")
    case .integer(let number): out.append(String(number))
    case .double(let number):
      if number.rounded() == number && abs(number) < 1e15 {
        out.append(String(Int64(number)))
      } else {
        out.append(number.isFinite ? String(number) : "null")
      }
    case .string(let text): writeString(text, into: &out)
    case .array(let elements):
      if elements.isEmpty {
        out.append("[]")
        return
      }
      out.append(UInt8(ascii: "["))
      for (position, element) in elements.enumerated() {
        if position > 0 { out.append(UInt8(ascii: ",")) }
        newline(into: &out, indent: indent, level: level + 1)
        write(element, into: &out, indent: indent, level: level + 1)
      }
      newline(into: &out, indent: indent, level: level)
      out.append(UInt8(ascii: "]"))
    case .object(let members):
      if members.isEmpty {
        out.append("{}")
        return
      }
      out.append(UInt8(ascii: "{"))
      for (position, member) in members.enumerated() {
        if position > 0 { out.append(UInt8(ascii: ",")) }
        newline(into: &out, indent: indent, level: level + 1)
        writeString(member.0, into: &out)
        out.append(UInt8(ascii: ":"))
        if indent { out.append(UInt8(ascii: " ")) }
        write(member.1, into: &out, indent: indent, level: level + 1)
      }
      newline(into: &out, indent: indent, level: level)
      out.append(UInt8(ascii: "}"))
    }
  }

  private static func newline(into out: inout ByteBuffer, indent: Bool, level: Int) {
    guard indent else { return }
    out.append(UInt8(ascii: "\n"))
    for _ in 0..<level { out.append("  " as StaticString) }
  }

  /// Appends `text` quoted, escaping what JSON requires plus DEL, U+2028 and U+2029 (which
  /// some readers take for line ends).
  static func writeString(_ text: String, into out: inout ByteBuffer) {
    out.append(UInt8(ascii: "\""))
    // Most strings are printable ASCII with nothing to escape: one scan, one copy.
    let plain = text.utf8.withContiguousStorageIfAvailable { bytes in
      for byte in bytes where byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C { return false }
      out.append(bytes)
      return true
    }
    if plain != true { writeEscaped(text, into: &out) }
    out.append(UInt8(ascii: "\""))
  }

  private static func writeEscaped(_ text: String, into out: inout ByteBuffer) {
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out.append("\\\"" as StaticString)
      case "\\": out.append("\\\\" as StaticString)
      case "\n": out.append("\\n" as StaticString)
      case "\r": out.append("\\r" as StaticString)
      case "\t": out.append("\\t" as StaticString)
      case "\u{08}": out.append("\\b" as StaticString)
      case "\u{0C}": out.append("\\f" as StaticString)
      case "\u{00}"..."\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}":
        let hex = String(scalar.value, radix: 16)
        out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
      default:
        for byte in UTF8.encode(scalar)! { out.append(byte) }
      }
    }
  }
}
