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
  /// The top-level member whose object of strings ``parse(_:stringsOf:stampsOf:)`` lifts
  /// as values, and what it collected.
  private var valuesName: String?
  private var values = LiftedStrings()
  /// The top-level member it reads as ``LiftedStamps`` when it can, and what it read.
  private var stampsName: String?
  private var stamps: LiftedStamps?

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
    /// ``ConfigDocument/keyDigest(of:)`` of the names in the order given, folded in as they
    /// are read (the document's digest when they are ascending).
    var keyDigest = ConfigDocument.KeyDigest()
  }

  /// A config document's `written` object in the form tandem writes it (``ConfigDocument``):
  /// its digest of the keys and one ``WriteStamp`` per key (runs already spread over them).
  struct LiftedStamps {
    /// The `key_digest` member.
    var keyDigest: String
    /// The `stamps` member: one per key, in the keys' order. Empty when they were written
    /// straight into the entries of the values (``attached``).
    var stamps: [WriteStamp]
    /// Whether the stamps went straight into the values' entries, one each, in order: when
    /// the values came first, sorted, and there was exactly one stamp per entry.
    var attached = false
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
  /// same failures, except for two members of a top-level object. When the member
  /// `valuesName` is an object, its members are returned as entries instead of
  /// ``JSONValue``s. When the member `stampsName` is an object in the form tandem writes
  /// (``LiftedStamps``), it is returned read. Either is left as an empty object in the value.
  /// A config document's `values` and `written` hold up to 10,000 strings each: building a
  /// ``JSONValue`` for each, then an entry from it, then freeing the first would cost more
  /// than the parse. A `stampsName` in any other form is parsed as any value, into the value.
  static func parse(_ bytes: [UInt8], stringsOf valuesName: String, stampsOf stampsName: String)
    throws(Failure)
    -> (value: JSONValue, values: LiftedStrings, stamps: LiftedStamps?)
  {
    var parser = JSONParser(bytes)
    parser.valuesName = valuesName
    parser.stampsName = stampsName
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.index == bytes.count else { throw parser.failure("unexpected data after the value") }
    return (value, parser.values, parser.stamps)
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
      if depth == 0, valuesName != nil, index < bytes.count, bytes[index] == UInt8(ascii: "{"),
        key == valuesName || key == stampsName
      {
        if key == valuesName {
          values = try parseStrings(depth: depth + 1)
          value = .object([])
        } else if depth + 1 < Self.maximumDepth, let read = readStamps() {
          stamps = read
          value = .object([])
        } else {
          value = try parseValue(depth: depth + 1)
        }
      } else {
        value = try parseValue(depth: depth + 1)
      }
      guard names.admit(key, after: members) else {
        throw failure("duplicate member \(QuotedData.mark(key))")
      }
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

  /// An object at `depth` whose members come back as entries: ``parseObject`` with the same
  /// checks and failures, a value that is not a string noted (and parsed as any value)
  /// rather than refused here, so that a syntax error later in the text is still what is
  /// reported.
  private mutating func parseStrings(depth: Int) throws(Failure) -> LiftedStrings {
    guard depth < Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth)") }
    index += 1
    var lifted = LiftedStrings()
    lifted.found = true
    // Room for the members a text of this size can hold (each takes 13 bytes or more), up
    // to the document limit: growing the array by doubling would copy it a dozen times.
    lifted.entries.reserveCapacity(min((bytes.count - index) / 13, StateLimits.maximumKeys + 1))
    var names = JSONMemberNames()
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
      index += 1
      return lifted
    }
    while true {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw failure("expected a member name")
      }
      let keyStart = index + 1
      let key = try parseString()
      // Without escapes the text is the key's UTF-8: folded into the digest as it lies.
      if key.utf8.count == index - 1 - keyStart {
        bytes.withUnsafeBufferPointer {
          lifted.keyDigest.add(UnsafeBufferPointer(rebasing: $0[keyStart..<index - 1]))
        }
      } else {
        lifted.keyDigest.add(key)
      }
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
      guard names.admit(key, after: lifted.entries) else {
        throw failure("duplicate member \(QuotedData.mark(key))")
      }
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
      return lifted
    }
  }

  /// Whether `count` bytes at `a` and `b` are equal: a plain loop, where the generic
  /// `elementsEqual` costs hundreds of instructions a call.
  fileprivate static func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool
  {
    var offset = 0
    while offset + 8 <= count {
      if UnsafeRawPointer(a + offset).loadUnaligned(as: UInt64.self)
        != UnsafeRawPointer(b + offset).loadUnaligned(as: UInt64.self)
      {
        return false
      }
      offset += 8
    }
    while offset < count {
      if a[offset] != b[offset] { return false }
      offset += 1
    }
    return true
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
  fileprivate static func asciiString(_ ascii: UnsafeBufferPointer<UInt8>) -> String {
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

// MARK: The stamps of a config document

extension JSONParser {
  /// Reads the object at ``index`` as ``LiftedStamps`` when it is exactly in the form tandem
  /// writes, `{"key_digest": "...", "stamps": [...]}` and maybe `"runs": [...]` after them
  /// (how many keys in a row each stamp covers), each stamp `null` or a string in the
  /// form ``ConfigProvenance`` describes, nothing escaped; then no `String` is made for a
  /// time, and a stamp equal to the one before (the keys of one commit) is not read again.
  /// Anything else returns `nil` with nothing consumed, and the caller parses the object as
  /// any value, with every check and failure of the parser. What this accepts is a subset of
  /// JSON: two distinct member names, strings without escapes or control characters.
  ///
  /// When the values were read before and are sorted, each stamp goes straight into the
  /// entry at its position (no array of stamps); one stamp too many or too few leaves every
  /// entry as it was, and the stamps are collected for the caller to find them wrong.
  fileprivate mutating func readStamps() -> LiftedStamps? {
    var read: LiftedStamps?
    var end = index
    var entries: [ConfigDocument.Entry]?
    if values.found && values.ascending {
      entries = values.entries
      values.entries = []
    }
    bytes.withUnsafeBufferPointer { buffer in
      var reader = StampReader(buffer: buffer, at: index, entries: entries)
      entries = nil
      read = reader.read()
      end = reader.at
      entries = reader.entries
    }
    if let entries { values.entries = entries }
    if read != nil { index = end }
    return read
  }

  /// The reading of ``readStamps()`` over the bytes, each step `nil` when the text is not in
  /// the expected form.
  private struct StampReader {
    let buffer: UnsafeBufferPointer<UInt8>
    var at: Int
    /// The text of the stamp before (empty at first) and its reading: the keys of one commit
    /// share one stamp.
    var previousText = 0..<0
    var previousStamp = WriteStamp.none
    /// The minute of the last time read in full (its first 17 bytes, `YYYY-MM-DDTHH:MM:`, at
    /// `previousMinute`) in milliseconds: stamps written close together share it.
    var previousMinute = -1
    var previousMinuteMilliseconds: Int64 = 0
    /// The instance ids read so far, a few of them, and where their bytes are, for the same
    /// bytes: most stamps name one of a few instances. (Two arrays: a loop over an array of
    /// pairs would retain and release each id it looks at. Integers, not ranges: an array of
    /// `Range<Int>` has its type built at run time, with a search of every conformance of
    /// the binary for `Int: Comparable`, 160,000 instructions.)
    var idStarts: [Int] = []
    var idEnds: [Int] = []
    var ids: [String] = []
    /// The values' entries the stamps go into, one each in order, if they do.
    var entries: [ConfigDocument.Entry]?

    init(buffer: UnsafeBufferPointer<UInt8>, at: Int, entries: [ConfigDocument.Entry]?) {
      self.buffer = buffer
      self.at = at
      self.entries = entries
    }

    /// Stores the stamp of the entry at `position`: into it, or into `stamps`.
    private mutating func store(_ stamp: WriteStamp, at position: Int, in stamps: inout [WriteStamp]) {
      if entries != nil && position < entries!.count {
        entries![position].stamp = stamp
      } else {
        stamps.append(stamp)
      }
    }

    /// Undoes what ``store(_:at:in:)`` wrote into the entries before `count`, and gives the
    /// stamps as an array instead.
    private mutating func detach(_ count: Int, into stamps: inout [WriteStamp]) {
      guard entries != nil else { return }
      let written = min(count, entries!.count)
      var moved: [WriteStamp] = []
      moved.reserveCapacity(written + stamps.count)
      for position in 0..<written {
        moved.append(entries![position].stamp)
        entries![position].stamp = .none
      }
      stamps = moved + stamps
    }

    mutating func read() -> LiftedStamps? {
      guard expect(UInt8(ascii: "{")), expectName("key_digest"), let digest = plainString(),
        expect(UInt8(ascii: ",")), expectName("stamps"), expect(UInt8(ascii: "["))
      else { return nil }
      var stamps: [WriteStamp] = []
      if entries == nil {
        // Room for a stamp per 8 bytes left, up to the document limit (`null,` is 5 or more).
        stamps.reserveCapacity(min((buffer.count - at) / 8, StateLimits.maximumKeys + 1))
      }
      var count = 0
      skipWhitespace()
      if at < buffer.count && buffer[at] == UInt8(ascii: "]") {
        at += 1
      } else {
        while true {
          guard let stamp = stamp() else {
            detach(count, into: &stamps)
            return nil
          }
          store(stamp, at: count, in: &stamps)
          count += 1
          guard let more = nextElement() else { return nil }
          if !more { break }
        }
      }
      // `runs`, when some stamp covers several keys in a row: how many each covers.
      skipWhitespace()
      if at < buffer.count && buffer[at] == UInt8(ascii: ",") {
        at += 1
        // One run per stamp at most: more could not pair with them. (A buffer, not an array:
        // an `[Int]` has its storage's type built at run time, 5,000 instructions a call.)
        let runs = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
        defer { runs.deallocate() }
        guard expectName("runs"), let runCount = runLengths(into: runs), expect(UInt8(ascii: "}")) else {
          detach(count, into: &stamps)
          return nil
        }
        return expand(
          count, in: &stamps, by: UnsafeBufferPointer(rebasing: runs[0..<runCount]), digest: digest)
      }
      guard expect(UInt8(ascii: "}")) else {
        detach(count, into: &stamps)
        return nil
      }
      guard let entries, count == entries.count else {
        detach(count, into: &stamps)
        return LiftedStamps(keyDigest: digest, stamps: stamps)
      }
      return LiftedStamps(keyDigest: digest, stamps: [], attached: true)
    }

    /// The stamps of the keys when the `count` stamps read cover `runs[i]` keys in a row each:
    /// spread over the values' entries in place when they went there and cover them exactly
    /// (from the last run back, so that no stamp is overwritten before it is read), else as
    /// an array. Runs that do not pair with the stamps give no stamps at all, so that no key
    /// gets another key's stamp.
    private mutating func expand(
      _ count: Int, in stamps: inout [WriteStamp], by runs: UnsafeBufferPointer<Int>, digest: String
    ) -> LiftedStamps {
      var total = 0
      for run in runs { total += run }  // each at most the key limit, and at most `count` of them
      if runs.count == count, entries != nil, total == entries!.count {
        var end = total
        for index in stride(from: count - 1, through: 0, by: -1) {
          let stamp = entries![index].stamp
          let start = end - runs[index]
          for position in start..<end { entries![position].stamp = stamp }
          end = start
        }
        return LiftedStamps(keyDigest: digest, stamps: [], attached: true)
      }
      detach(count, into: &stamps)
      guard runs.count == count, total <= StateLimits.maximumKeys else {
        return LiftedStamps(keyDigest: digest, stamps: [])
      }
      var expanded: [WriteStamp] = []
      expanded.reserveCapacity(total)
      for index in 0..<count {
        for _ in 0..<runs[index] { expanded.append(stamps[index]) }
      }
      return LiftedStamps(keyDigest: digest, stamps: expanded)
    }

    /// `[n, ...]` into `runs`: integers from 1 to the key limit written plainly (no sign,
    /// leading zero, fraction or exponent), no more than `runs` holds. Returns how many;
    /// `nil` for anything else, which the parser then reads as any value.
    private mutating func runLengths(into runs: UnsafeMutableBufferPointer<Int>) -> Int? {
      guard expect(UInt8(ascii: "[")) else { return nil }
      var runCount = 0
      skipWhitespace()
      if at < buffer.count && buffer[at] == UInt8(ascii: "]") {
        at += 1
        return runCount
      }
      while true {
        skipWhitespace()
        guard runCount < runs.count, at < buffer.count, buffer[at] &- UInt8(ascii: "1") < 9 else {
          return nil
        }
        var value = 0
        while at < buffer.count, buffer[at] &- UInt8(ascii: "0") < 10 {
          value = value * 10 + Int(buffer[at] &- UInt8(ascii: "0"))
          guard value <= StateLimits.maximumKeys else { return nil }
          at += 1
        }
        runs[runCount] = value
        runCount += 1
        guard let more = nextElement() else { return nil }
        if !more { return runCount }
      }
    }

    /// What follows an element of an array: `true` after a `,` (another element), `false`
    /// after the closing `]`, `nil` for anything else.
    private mutating func nextElement() -> Bool? {
      skipWhitespace()
      guard at < buffer.count else { return nil }
      if buffer[at] == UInt8(ascii: ",") {
        at += 1
        return true
      }
      guard buffer[at] == UInt8(ascii: "]") else { return nil }
      at += 1
      return false
    }

    /// One element: `null`, or a stamp string.
    private mutating func stamp() -> WriteStamp? {
      skipWhitespace()
      guard at < buffer.count else { return nil }
      if buffer[at] == UInt8(ascii: "n") {
        guard at + 4 <= buffer.count, buffer[at + 1] == UInt8(ascii: "u"),
          buffer[at + 2] == UInt8(ascii: "l"),
          buffer[at + 3] == UInt8(ascii: "l")
        else { return nil }
        at += 4
        return WriteStamp.none
      }
      guard buffer[at] == UInt8(ascii: "\"") else { return nil }
      let start = at + 1
      let length = previousText.count
      if length > 0, start + length < buffer.count, buffer[start + length] == UInt8(ascii: "\""),
        JSONParser.sameBytes(
          buffer.baseAddress! + previousText.lowerBound, buffer.baseAddress! + start, count: length)
      {
        at = start + length + 1
        return previousStamp
      }
      guard start + WriteStamp.timeLength <= buffer.count, let milliseconds = time(at: start) else {
        return nil
      }
      var end = start + WriteStamp.timeLength
      var instanceID: String?
      if end < buffer.count && buffer[end] == UInt8(ascii: " ") {
        let idStart = end + 1
        end = idStart
        while end < buffer.count && buffer[end] != UInt8(ascii: "\"") { end += 1 }
        let id = UnsafeBufferPointer(rebasing: buffer[idStart..<end])
        // Only the bytes of an instance id: no escape, control character or quote among them.
        guard WriteStamp.isInstanceID(id) else { return nil }
        instanceID = self.id(id, at: idStart)
      }
      guard end < buffer.count, buffer[end] == UInt8(ascii: "\"") else { return nil }
      let stamp = WriteStamp(milliseconds: milliseconds, instanceID: instanceID)
      previousText = start..<end
      previousStamp = stamp
      at = end + 1
      return stamp
    }

    /// The time at `start` in the form tandem writes: the seconds and milliseconds alone when
    /// the minute is the one before.
    private mutating func time(at start: Int) -> Int64? {
      let minuteLength = 17
      if previousMinute >= 0,
        JSONParser.sameBytes(
          buffer.baseAddress! + previousMinute, buffer.baseAddress! + start, count: minuteLength),
        buffer[start + 19] == UInt8(ascii: "."), buffer[start + 23] == UInt8(ascii: "Z")
      {
        let digits = (
          buffer[start + 17] &- UInt8(ascii: "0"), buffer[start + 18] &- UInt8(ascii: "0"),
          buffer[start + 20] &- UInt8(ascii: "0"), buffer[start + 21] &- UInt8(ascii: "0"),
          buffer[start + 22] &- UInt8(ascii: "0")
        )
        guard digits.0 <= 9, digits.1 <= 9, digits.2 <= 9, digits.3 <= 9, digits.4 <= 9 else { return nil }
        let milliseconds =
          previousMinuteMilliseconds + (Int64(digits.0) * 10 + Int64(digits.1)) * 1000 + Int64(digits.2) * 100
          + Int64(digits.3) * 10 + Int64(digits.4)
        return SystemClock.timestampRange.contains(milliseconds) ? milliseconds : nil
      }
      guard
        let milliseconds = WriteStamp.parseCanonicalTime(
          UnsafeBufferPointer(rebasing: buffer[start..<start + WriteStamp.timeLength]))
      else { return nil }
      // The start of its minute: the time less its seconds and milliseconds.
      let seconds =
        Int64(buffer[start + 17] - UInt8(ascii: "0")) * 10 + Int64(buffer[start + 18] - UInt8(ascii: "0"))
      let fraction =
        Int64(buffer[start + 20] - UInt8(ascii: "0")) * 100 + Int64(buffer[start + 21] - UInt8(ascii: "0"))
        * 10
        + Int64(buffer[start + 22] - UInt8(ascii: "0"))
      previousMinute = start
      previousMinuteMilliseconds = milliseconds - seconds * 1000 - fraction
      return milliseconds
    }

    /// The instance id of the bytes `id`: one made before for the same bytes, or a new one.
    private mutating func id(_ id: UnsafeBufferPointer<UInt8>, at start: Int) -> String {
      let last = id[id.count - 1]
      for index in 0..<ids.count where idEnds[index] - idStarts[index] == id.count {
        // Ids often differ only at their end (agent-1, agent-2): that byte first.
        if buffer[idEnds[index] - 1] == last,
          JSONParser.sameBytes(buffer.baseAddress! + idStarts[index], id.baseAddress!, count: id.count)
        {
          return ids[index]
        }
      }
      let made = JSONParser.asciiString(id)
      // A few: a document written by many instances makes the rest as it goes.
      if ids.count < 16 {
        idStarts.append(start)
        idEnds.append(start + id.count)
        ids.append(made)
      }
      return made
    }

    /// A string of printable ASCII without escapes.
    private mutating func plainString() -> String? {
      skipWhitespace()
      guard at < buffer.count, buffer[at] == UInt8(ascii: "\"") else { return nil }
      let start = at + 1
      var end = start
      while end < buffer.count && buffer[end] != UInt8(ascii: "\"") {
        guard buffer[end] >= 0x20, buffer[end] < 0x7F, buffer[end] != UInt8(ascii: "\\") else { return nil }
        end += 1
      }
      guard end < buffer.count else { return nil }
      at = end + 1
      return JSONParser.asciiString(UnsafeBufferPointer(rebasing: buffer[start..<end]))
    }

    /// `"name":`
    private mutating func expectName(_ name: StaticString) -> Bool {
      skipWhitespace()
      let count = name.utf8CodeUnitCount
      guard at + count + 2 <= buffer.count, buffer[at] == UInt8(ascii: "\""),
        buffer[at + count + 1] == UInt8(ascii: "\"")
      else { return false }
      for offset in 0..<count where buffer[at + 1 + offset] != name.utf8Start[offset] { return false }
      at += count + 2
      return expect(UInt8(ascii: ":"))
    }

    /// `byte`, after any white space.
    private mutating func expect(_ byte: UInt8) -> Bool {
      skipWhitespace()
      guard at < buffer.count, buffer[at] == byte else { return false }
      at += 1
      return true
    }

    private mutating func skipWhitespace() {
      while at < buffer.count {
        switch buffer[at] {
        case 0x20, 0x09, 0x0A, 0x0D: at += 1
        default: return
        }
      }
    }
  }
}
