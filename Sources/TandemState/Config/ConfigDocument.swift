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
      document.updatedAtMilliseconds = SystemClock.parseRFC3339(stamp)
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
}
