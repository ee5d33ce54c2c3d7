public import TandemState

/// Encodes a command's result (any `Encodable`) as the envelope's `data`, without Foundation.
///
/// - Members keep the order in which the type encodes them (a synthesized `Encodable`:
///   declaration order), so the JSON reads like the type.
/// - Property names become snake_case (`retryAfterMs` → `retry_after_ms`), as the CLI Agent
///   Spec's envelopes spell them; explicit `CodingKeys` string values are kept as they are
///   when they contain no upper-case letter.
/// - `nil` optionals are written as `null`, not left out, so that an agent always finds the
///   same members.
/// - Integers must fit in Int64 (JSON numbers that every parser reads exactly); a larger
///   `UInt64` is an error, never silently rounded.
public enum ResultEncoder {
  /// Why a value could not be encoded.
  public struct Failure: Error, Sendable, CustomStringConvertible {
    /// What was wrong, with the coding path.
    public var description: String
  }

  /// `value` as a JSON value.
  public static func encode<Value: Encodable>(_ value: Value) throws -> JSONValue {
    if let json = value as? JSONValue { return json }
    let encoder = ValueEncoder(codingPath: [])
    try value.encode(to: encoder)
    return encoder.storage.value
  }

  /// `camelCase` as `camel_case`; names without upper-case letters are unchanged.
  static func snakeCase(_ name: String) -> String {
    guard name.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else {
      return name
    }
    var out: [UInt8] = []
    out.reserveCapacity(name.utf8.count + 4)
    var previousWasLower = false
    for byte in name.utf8 {
      if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) {
        if previousWasLower { out.append(UInt8(ascii: "_")) }
        out.append(byte + 32)
        previousWasLower = false
      } else {
        out.append(byte)
        previousWasLower =
          (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}

/// A growable JSON value shared by a container and the encoder that made it, so that nested
/// containers write into their parent.
///
/// Members and elements are appended in place, and a member's name is found by a scan only
/// while an object is small, so that a result of n members or elements is built in O(n)
/// (a `config list` of 10,000 keys is one array of 10,000 objects).
final class EncodedValue {
  enum Kind {
    case single
    case object
    case array
  }
  private(set) var kind: Kind = .single
  private var single: JSONValue = .null
  private var members: [(String, EncodedValue)] = []
  /// The position of each member by name, once the object has more than `scanLimit` members.
  private var positions: [String: Int] = [:]
  private var elements: [EncodedValue] = []

  /// Up to this many members a scan finds a name faster than hashing it.
  private static let scanLimit = 16

  /// The number of elements of an array.
  var count: Int { kind == .array ? elements.count : 0 }

  /// Makes this value the scalar `value`.
  func set(_ value: JSONValue) {
    kind = .single
    single = value
    members = []
    positions = [:]
    elements = []
  }

  /// Makes this value an object, keeping its members if it is one already.
  func becomeObject() {
    guard kind != .object else { return }
    set(.null)
    kind = .object
  }

  /// Makes this value an array, keeping its elements if it is one already.
  func becomeArray() {
    guard kind != .array else { return }
    set(.null)
    kind = .array
  }

  /// Adds member `name` to an object; a name given again replaces the earlier value, in its
  /// place.
  func put(_ name: String, _ value: EncodedValue) {
    guard kind == .object else { return }
    if let index = position(of: name) {
      members[index].1 = value
      return
    }
    members.append((name, value))
    if members.count > Self.scanLimit {
      if positions.isEmpty {
        for (index, member) in members.enumerated() { positions[member.0] = index }
      } else {
        positions[name] = members.count - 1
      }
    }
  }

  private func position(of name: String) -> Int? {
    members.count > Self.scanLimit ? positions[name] : members.firstIndex(where: { $0.0 == name })
  }

  /// Adds an element to an array.
  func append(_ value: EncodedValue) {
    guard kind == .array else { return }
    elements.append(value)
  }

  /// Makes this value what `other` is.
  func take(_ other: EncodedValue) {
    kind = other.kind
    single = other.single
    members = other.members
    positions = other.positions
    elements = other.elements
  }

  var value: JSONValue {
    switch kind {
    case .single: return single
    case .object: return .object(members.map { ($0.0, $0.1.value) })
    case .array: return .array(elements.map(\.value))
    }
  }
}

struct ValueEncoder: Encoder {
  var codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }
  let storage: EncodedValue

  init(codingPath: [any CodingKey], storage: EncodedValue = EncodedValue()) {
    self.codingPath = codingPath
    self.storage = storage
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    storage.becomeObject()
    return KeyedEncodingContainer(KeyedContainer<Key>(codingPath: codingPath, storage: storage))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    storage.becomeArray()
    return UnkeyedContainer(codingPath: codingPath, storage: storage)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    SingleContainer(codingPath: codingPath, storage: storage)
  }
}

/// Scalars in one place, for the three kinds of container.
enum Scalar {
  static func integer<T: BinaryInteger>(_ value: T, _ path: [any CodingKey]) throws -> JSONValue {
    guard let exact = Int64(exactly: value) else {
      throw ResultEncoder.Failure(
        description: "\(pathText(path)): \(value) does not fit in a JSON integer (at most \(Int64.max))")
    }
    return .integer(exact)
  }

  static func double(_ value: Double, _ path: [any CodingKey]) throws -> JSONValue {
    guard value.isFinite else {
      throw ResultEncoder.Failure(description: "\(pathText(path)): \(value) is not a JSON number")
    }
    return .double(value)
  }

  /// `value` encoded on its own, at `path`.
  static func nested<T: Encodable>(_ value: T, _ path: [any CodingKey]) throws -> EncodedValue {
    let storage = EncodedValue()
    if let json = value as? JSONValue {
      storage.set(json)
    } else {
      try value.encode(to: ValueEncoder(codingPath: path, storage: storage))
    }
    return storage
  }

  static func pathText(_ path: [any CodingKey]) -> String {
    path.isEmpty ? "the result" : path.map(\.stringValue).joined(separator: ".")
  }
}

struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  var codingPath: [any CodingKey]
  let storage: EncodedValue

  private func put(_ value: EncodedValue, _ key: Key) {
    storage.put(ResultEncoder.snakeCase(key.stringValue), value)
  }

  private func put(_ value: JSONValue, _ key: Key) {
    let single = EncodedValue()
    single.set(value)
    put(single, key)
  }

  mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
  mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
  mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
  mutating func encode(_ value: Double, forKey key: Key) throws {
    put(try Scalar.double(value, codingPath + [key]), key)
  }
  mutating func encode(_ value: Float, forKey key: Key) throws {
    put(try Scalar.double(Double(value), codingPath + [key]), key)
  }
  mutating func encode(_ value: Int, forKey key: Key) throws { put(.integer(Int64(value)), key) }
  mutating func encode(_ value: Int8, forKey key: Key) throws { put(.integer(Int64(value)), key) }
  mutating func encode(_ value: Int16, forKey key: Key) throws { put(.integer(Int64(value)), key) }
  mutating func encode(_ value: Int32, forKey key: Key) throws { put(.integer(Int64(value)), key) }
  mutating func encode(_ value: Int64, forKey key: Key) throws { put(.integer(value), key) }
  mutating func encode(_ value: UInt, forKey key: Key) throws {
    put(try Scalar.integer(value, codingPath + [key]), key)
  }
  mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.integer(Int64(value)), key) }
  mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.integer(Int64(value)), key) }
  mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.integer(Int64(value)), key) }
  mutating func encode(_ value: UInt64, forKey key: Key) throws {
    put(try Scalar.integer(value, codingPath + [key]), key)
  }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    put(try Scalar.nested(value, codingPath + [key]), key)
  }

  // Absent optionals are written as null: the members of a result do not come and go.
  mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, key) }
  mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
    try encodeOptional(value, key)
  }

  private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
    guard let value else { return put(.null, key) }
    try encode(value, forKey: key)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
    -> KeyedEncodingContainer<NestedKey>
  {
    let child = EncodedValue()
    child.becomeObject()
    put(child, key)
    return KeyedEncodingContainer(KeyedContainer<NestedKey>(codingPath: codingPath + [key], storage: child))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    let child = EncodedValue()
    child.becomeArray()
    put(child, key)
    return UnkeyedContainer(codingPath: codingPath + [key], storage: child)
  }

  mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    let child = EncodedValue()
    put(child, key)
    return ValueEncoder(codingPath: codingPath + [key], storage: child)
  }
}

/// The key of an array element in a coding path.
struct IndexKey: CodingKey {
  var stringValue: String
  var intValue: Int?
  init(_ index: Int) {
    stringValue = String(index)
    intValue = index
  }
  init?(stringValue: String) { nil }
  init?(intValue: Int) { self.init(intValue) }
}

struct UnkeyedContainer: UnkeyedEncodingContainer {
  var codingPath: [any CodingKey]
  let storage: EncodedValue

  var count: Int { storage.count }

  private func append(_ value: EncodedValue) { storage.append(value) }

  private func append(_ value: JSONValue) {
    let single = EncodedValue()
    single.set(value)
    append(single)
  }

  private var nextPath: [any CodingKey] { codingPath + [IndexKey(count)] }

  mutating func encodeNil() throws { append(.null) }
  mutating func encode(_ value: Bool) throws { append(.bool(value)) }
  mutating func encode(_ value: String) throws { append(.string(value)) }
  mutating func encode(_ value: Double) throws { append(try Scalar.double(value, nextPath)) }
  mutating func encode(_ value: Float) throws { append(try Scalar.double(Double(value), nextPath)) }
  mutating func encode(_ value: Int) throws { append(.integer(Int64(value))) }
  mutating func encode(_ value: Int8) throws { append(.integer(Int64(value))) }
  mutating func encode(_ value: Int16) throws { append(.integer(Int64(value))) }
  mutating func encode(_ value: Int32) throws { append(.integer(Int64(value))) }
  mutating func encode(_ value: Int64) throws { append(.integer(value)) }
  mutating func encode(_ value: UInt) throws { append(try Scalar.integer(value, nextPath)) }
  mutating func encode(_ value: UInt8) throws { append(.integer(Int64(value))) }
  mutating func encode(_ value: UInt16) throws { append(.integer(Int64(value))) }
  mutating func encode(_ value: UInt32) throws { append(.integer(Int64(value))) }
  mutating func encode(_ value: UInt64) throws { append(try Scalar.integer(value, nextPath)) }
  mutating func encode<T: Encodable>(_ value: T) throws { append(try Scalar.nested(value, nextPath)) }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
    -> KeyedEncodingContainer<NestedKey>
  {
    let child = EncodedValue()
    child.becomeObject()
    let path = nextPath
    append(child)
    return KeyedEncodingContainer(KeyedContainer<NestedKey>(codingPath: path, storage: child))
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    let child = EncodedValue()
    child.becomeArray()
    let path = nextPath
    append(child)
    return UnkeyedContainer(codingPath: path, storage: child)
  }

  mutating func superEncoder() -> any Encoder {
    let child = EncodedValue()
    let path = nextPath
    append(child)
    return ValueEncoder(codingPath: path, storage: child)
  }
}

struct SingleContainer: SingleValueEncodingContainer {
  var codingPath: [any CodingKey]
  let storage: EncodedValue

  private func set(_ value: JSONValue) { storage.set(value) }

  mutating func encodeNil() throws { set(.null) }
  mutating func encode(_ value: Bool) throws { set(.bool(value)) }
  mutating func encode(_ value: String) throws { set(.string(value)) }
  mutating func encode(_ value: Double) throws { set(try Scalar.double(value, codingPath)) }
  mutating func encode(_ value: Float) throws { set(try Scalar.double(Double(value), codingPath)) }
  mutating func encode(_ value: Int) throws { set(.integer(Int64(value))) }
  mutating func encode(_ value: Int8) throws { set(.integer(Int64(value))) }
  mutating func encode(_ value: Int16) throws { set(.integer(Int64(value))) }
  mutating func encode(_ value: Int32) throws { set(.integer(Int64(value))) }
  mutating func encode(_ value: Int64) throws { set(.integer(value)) }
  mutating func encode(_ value: UInt) throws { set(try Scalar.integer(value, codingPath)) }
  mutating func encode(_ value: UInt8) throws { set(.integer(Int64(value))) }
  mutating func encode(_ value: UInt16) throws { set(.integer(Int64(value))) }
  mutating func encode(_ value: UInt32) throws { set(.integer(Int64(value))) }
  mutating func encode(_ value: UInt64) throws { set(try Scalar.integer(value, codingPath)) }
  mutating func encode<T: Encodable>(_ value: T) throws {
    storage.take(try Scalar.nested(value, codingPath))
  }
}
