/// One configuration document: string values by key, and a revision raised by 1 at every
/// applied write.
///
/// On disk it is JSON: `{"format": "tandem.config/1", "revision": 3,
/// "updated_at": "...", "values": {"region": "us-east-1"}}`.
public struct ConfigDocument: Sendable, Equatable {
  /// The document's revision: 0 for a document never written.
  public internal(set) var revision: UInt64
  /// When the document was last written, in milliseconds since the epoch, if ever.
  public internal(set) var updatedAtMilliseconds: Int64?
  /// The values by key.
  public var values: [String: String]

  /// The format marker written into every document.
  public static let format = "tandem.config/1"

  /// An empty document at revision 0.
  public init() {
    revision = 0
    values = [:]
  }

  /// Reads a value.
  public subscript(key: String) -> String? {
    get { values[key] }
    set { values[key] = newValue }
  }

  /// Parses a document, describing exactly what is wrong when it is not one.
  static func decode(_ bytes: [UInt8]) throws(DecodingFailure) -> ConfigDocument {
    guard !bytes.isEmpty else { throw DecodingFailure("the file is empty") }
    let json: JSONValue
    do {
      json = try JSONParser.parse(bytes)
    } catch {
      throw DecodingFailure("not valid JSON (\(error.description))")
    }
    guard case .object = json else { throw DecodingFailure("the top level is not an object") }
    guard json["format"]?.stringValue == format else {
      throw DecodingFailure("\"format\" is not \"\(format)\"")
    }
    guard let revision = json["revision"]?.integerValue, revision >= 0 else {
      throw DecodingFailure("\"revision\" is not a non-negative integer")
    }
    guard case .object(let members)? = json["values"] else {
      throw DecodingFailure("\"values\" is not an object")
    }
    var document = ConfigDocument()
    document.revision = UInt64(revision)
    for (key, value) in members {
      guard let text = value.stringValue else {
        throw DecodingFailure("the value of \"\(key)\" is not a string")
      }
      document.values[key] = text
    }
    if case .string(let stamp)? = json["updated_at"] {
      document.updatedAtMilliseconds = Self.parseStamp(stamp)
    }
    return document
  }

  /// The document as indented JSON with keys in sorted order, ending in a newline.
  func encode() -> [UInt8] {
    let sortedValues = values.keys.sorted().map { ($0, JSONValue.string(values[$0]!)) }
    let json = JSONValue.object([
      ("format", .string(Self.format)),
      ("revision", .integer(Int64(revision))),
      (
        "updated_at",
        updatedAtMilliseconds.map { .string(SystemClock.iso8601(wallMilliseconds: $0)) } ?? .null
      ),
      ("values", .object(sortedValues)),
    ])
    return Array((JSONWriter.pretty(json) + "\n").utf8)
  }

  /// Why bytes are not a document.
  struct DecodingFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
  }

  /// Reads back the millisecond timestamp ``SystemClock/iso8601(wallMilliseconds:)`` writes.
  private static func parseStamp(_ stamp: String) -> Int64? {
    let digits = stamp.unicodeScalars.filter { $0.properties.numericType != nil }.map { Int64($0.value - 48) }
    guard digits.count == 17 else { return nil }
    func number(_ range: Range<Int>) -> Int64 { digits[range].reduce(0) { $0 * 10 + $1 } }
    let year = number(0..<4)
    let month = number(4..<6)
    let day = number(6..<8)
    // Days from civil date (Howard Hinnant's algorithm).
    let shiftedYear = month <= 2 ? year - 1 : year
    let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
    let yearOfEra = shiftedYear - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    let days = era * 146_097 + dayOfEra - 719_468
    let seconds = days * 86_400 + number(8..<10) * 3600 + number(10..<12) * 60 + number(12..<14)
    return seconds * 1000 + number(14..<17)
  }
}
