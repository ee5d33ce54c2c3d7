/// A strict JSON parser (RFC 8259) over raw bytes.
///
/// Strictness is the point: a state file with trailing garbage, invalid UTF-8 or a
/// truncated tail must be reported as corrupt, never half-accepted.
package struct JSONParser {
  /// Why a text is not JSON, with the byte offset where parsing stopped.
  package struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The byte offset where parsing stopped.
    package var offset: Int
    /// What was wrong there.
    package var reason: String
    package var description: String { "\(reason) at byte \(offset)" }
  }

  /// The deepest nesting accepted; deeper input is refused rather than recursed into.
  package static let maximumDepth = 64

  private let bytes: [UInt8]
  private var index = 0
  /// The top-level members whose objects of strings ``parse(_:stringsOf:)`` collects.
  private var liftedNames: [String] = []
  /// What it collected, one per name.
  private var lifted: [LiftedStrings] = []

  private init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// The members of one object of strings, parsed straight into config entries.
  struct LiftedStrings {
    /// The members, in the order given (the parser refused a name given twice).
    var entries: [ConfigDocument.Entry] = []
    /// Whether their names are in strictly ascending order.
    var ascending = true
    /// Whether the object was there (as an object) at all.
    var found = false
    /// The name of the first member whose value is not a string (its entry holds "").
    var nonString: String?
  }

  /// Parses exactly one JSON value, allowing only whitespace around it.
  package static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
    var parser = JSONParser(bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.index == bytes.count else { throw parser.failure("unexpected data after the value") }
    return value
  }

  /// Parses exactly one JSON value as ``parse(_:)`` does, with the same strictness and the
  /// same failures, except that when the value is an object with a member of one of `names`
  /// whose value is an object, that object's members are returned as entries instead of
  /// ``JSONValue``s (the member itself is left as an empty object in the value), in the
  /// order of `names`. A config document's `values` and `written` hold up to 10,000 strings
  /// each: building a ``JSONValue`` for each, then an entry from it, then freeing the first
  /// would cost more than the parse.
  static func parse(_ bytes: [UInt8], stringsOf names: [String]) throws(Failure) -> (
    value: JSONValue, strings: [LiftedStrings]
  ) {
    var parser = JSONParser(bytes)
    parser.liftedNames = names
    parser.lifted = Array(repeating: LiftedStrings(), count: names.count)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.index == bytes.count else { throw parser.failure("unexpected data after the value") }
    return (value, parser.lifted)
  }

  /// Parses a UTF-8 string as one JSON value.
  package static func parse(_ text: String) throws(Failure) -> JSONValue {
    try parse(Array(text.utf8))
  }

  private func failure(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

  private mutating func skipWhitespace() {
    bytes.withUnsafeBufferPointer { buffer in
      while index < buffer.count {
        switch buffer[index] {
        case 0x20, 0x09, 0x0A, 0x0D: index += 1
        default: return
        }
      }
    }
  }

  private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
    guard depth < Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth)") }
    guard index < bytes.count else { throw failure("unexpected end of input") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
    case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
    case UInt8(ascii: "n"): try expectLiteral("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    default: throw failure("unexpected character")
    }
  }

  private mutating func expectLiteral(_ literal: StaticString) throws(Failure) {
    let count = literal.utf8CodeUnitCount
    guard index + count <= bytes.count else { throw failure("unexpected end of input") }
    let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
    for offset in 0..<count where bytes[index + offset] != expected[offset] {
      throw failure("invalid literal")
    }
    index += count
  }

  private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
    index += 1
    var members: [(String, JSONValue)] = []
    var names = JSONMemberNames()
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw failure("expected a member name")
      }
      let key = try parseString()
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
      index += 1
      skipWhitespace()
      let value: JSONValue
      if depth == 0, !liftedNames.isEmpty, index < bytes.count, bytes[index] == UInt8(ascii: "{"),
        let slot = liftedNames.firstIndex(of: key)
      {
        try parseStrings(depth: depth + 1, into: slot)
        value = .object([])
      } else {
        value = try parseValue(depth: depth + 1)
      }
      guard names.admit(key, after: members) else { throw failure("duplicate member \(QuotedData.mark(key))") }
      members.append((key, value))
      skipWhitespace()
      guard index < bytes.count else { throw failure("unexpected end of input") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
      index += 1
      return .object(members)
    }
  }

  /// An object at `depth` whose members go into ``lifted`` (at `slot`) as entries:
  /// ``parseObject`` with the same checks and failures, a value that is not a string noted
  /// (and parsed as any value) rather than refused here, so that a syntax error later in the
  /// text is still what is reported.
  private mutating func parseStrings(depth: Int, into slot: Int) throws(Failure) {
    guard depth < Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth)") }
    index += 1
    // Collected in a local and stored at the end: appending through `lifted[slot]` would
    // check the outer array's uniqueness at every member.
    var lifted = LiftedStrings()
    defer { self.lifted[slot] = lifted }
    lifted.found = true
    // Room for the members a text of this size can hold (each takes 13 bytes or more), up
    // to the document limit: growing the array by doubling would copy it a dozen times.
    lifted.entries.reserveCapacity(min((bytes.count - index) / 13, StateLimits.maximumKeys + 1))
    var names = JSONMemberNames()
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
      index += 1
      return
    }
    while true {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw failure("expected a member name")
      }
      let key = try parseString()
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
      index += 1
      skipWhitespace()
      let value: String
      if index < bytes.count && bytes[index] == UInt8(ascii: "\"") {
        value = try parseString()
      } else {
        _ = try parseValue(depth: depth + 1)
        if lifted.nonString == nil { lifted.nonString = key }
        value = ""
      }
      guard names.admit(key, after: lifted.entries) else { throw failure("duplicate member \(QuotedData.mark(key))") }
      lifted.entries.append(ConfigDocument.Entry(key: key, value: value))
      skipWhitespace()
      guard index < bytes.count else { throw failure("unexpected end of input") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
      index += 1
      lifted.ascending = names.ascending
      return
    }
  }

  private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
    index += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      guard index < bytes.count else { throw failure("unexpected end of input") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
      index += 1
      return .array(elements)
    }
  }

  private mutating func parseString() throws(Failure) -> String {
    index += 1
    // Most strings are ASCII without escapes: take their bytes as one run, with no copy byte
    // by byte and no UTF-8 validation (ASCII is valid UTF-8), which with the generic
    // `String(validating:as:)` costs a runtime metadata lookup per string. Anything else
    // continues below from where the run stopped.
    let start = index
    let ascii: String? = bytes.withUnsafeBufferPointer { buffer in
      var highBits: UInt8 = 0
      while index < buffer.count {
        let byte = buffer[index]
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
        highBits |= byte
        index += 1
      }
      guard index < buffer.count, buffer[index] == UInt8(ascii: "\""), highBits < 0x80 else { return nil }
      index += 1
      return Self.asciiString(UnsafeBufferPointer(rebasing: buffer[start..<index - 1]))
    }
    if let ascii { return ascii }
    var scalars = Array(bytes[start..<index])
    while true {
      guard index < bytes.count else { throw failure("unterminated string") }
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        guard let text = String(validating: scalars, as: UTF8.self) else {
          throw failure("string is not valid UTF-8")
        }
        return text
      case UInt8(ascii: "\\"):
        index += 1
        guard index < bytes.count else { throw failure("unterminated escape") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): scalars.append(0x22)
        case UInt8(ascii: "\\"): scalars.append(0x5C)
        case UInt8(ascii: "/"): scalars.append(0x2F)
        case UInt8(ascii: "b"): scalars.append(0x08)
        case UInt8(ascii: "f"): scalars.append(0x0C)
        case UInt8(ascii: "n"): scalars.append(0x0A)
        case UInt8(ascii: "r"): scalars.append(0x0D)
        case UInt8(ascii: "t"): scalars.append(0x09)
        case UInt8(ascii: "u"):
          var code = try parseHex4()
          if (0xD800...0xDBFF).contains(code) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
              bytes[index + 1] == UInt8(ascii: "u")
            else { throw failure("unpaired surrogate") }
            index += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          } else if (0xDC00...0xDFFF).contains(code) {
            throw failure("unpaired surrogate")
          }
          guard let scalar = Unicode.Scalar(code) else { throw failure("invalid escape") }
          scalars.append(contentsOf: UTF8.encode(scalar)!)
        default:
          throw failure("invalid escape")
        }
      case 0x00..<0x20:
        throw failure("control character in string")
      default:
        scalars.append(byte)
        index += 1
      }
    }
  }

  /// A string of bytes known to be ASCII, built without validation or generic code.
  private static func asciiString(_ ascii: UnsafeBufferPointer<UInt8>) -> String {
    String(unsafeUninitializedCapacity: ascii.count) { buffer in
      _ = buffer.initialize(fromContentsOf: ascii)
      return ascii.count
    }
  }

  private mutating func parseHex4() throws(Failure) -> UInt32 {
    guard index + 4 <= bytes.count else { throw failure("truncated \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw failure("invalid \\u escape")
      }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  private mutating func parseNumber() throws(Failure) -> JSONValue {
    let start = index
    var isInteger = true
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
    } else {
      while index < bytes.count && isDigit(bytes[index]) { index += 1 }
    }
    if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
      isInteger = false
      index += 1
      guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
      while index < bytes.count && isDigit(bytes[index]) { index += 1 }
    }
    if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
      isInteger = false
      index += 1
      if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
        index += 1
      }
      guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
      while index < bytes.count && isDigit(bytes[index]) { index += 1 }
    }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    if isInteger, let value = Int64(text) { return .integer(value) }
    guard let value = Double(text), value.isFinite else { throw failure("number out of range") }
    return .double(value)
  }

  private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }
}
