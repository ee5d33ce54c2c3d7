/// A JSON value with objects that keep their keys in order.
///
/// An ordered list of members is the simplest representation and the one that makes output
/// stable: the same document is always written with the same bytes. Looking a member up by
/// name scans the list, so readers look up a fixed handful of names (`format`, `revision`,
/// ...) and walk large objects, such as a config document's `values`, once in order; the
/// parser refuses repeated names without a scan per member (`JSONMemberNames`).
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case integer(Int64)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.integer(let a), .integer(let b)): return a == b
    case (.double(let a), .double(let b)): return a == b
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// The member named `key` of an object, or `nil` for a missing member or a non-object.
  /// Linear in the object's members: walk a large object instead of calling this per member.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first(where: { $0.0 == key })?.1
  }

  /// The string payload, or `nil` for any other kind of value.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The integer payload, or `nil` for any other kind of value (a double with no fraction
  /// counts as an integer, since other writers may emit `3.0`).
  public var integerValue: Int64? {
    switch self {
    case .integer(let value): return value
    case .double(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int64(value)
    default: return nil
    }
  }

  /// The boolean payload, or `nil` for any other kind of value.
  public var boolValue: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
  ExpressibleByNilLiteral
{
  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int64) { self = .integer(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
  /// `.string(value)`, or `.null` when `value` is `nil`.
  public static func optional(_ value: String?) -> JSONValue {
    value.map(JSONValue.string) ?? .null
  }

  /// `.integer(value)`, or `.null` when `value` is `nil`.
  public static func optional<I: BinaryInteger>(_ value: I?) -> JSONValue {
    value.map { .integer(Int64($0)) } ?? .null
  }
}

extension JSONValue: Encodable {
  /// Encodes the value as itself, so that a result may hold raw JSON next to typed members.
  public func encode(to encoder: any Encoder) throws {
    switch self {
    case .null:
      var container = encoder.singleValueContainer()
      try container.encodeNil()
    case .bool(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .integer(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .double(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .string(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .array(let elements):
      var container = encoder.unkeyedContainer()
      for element in elements { try container.encode(element) }
    case .object(let members):
      var container = encoder.container(keyedBy: MemberKey.self)
      for (name, value) in members { try container.encode(value, forKey: MemberKey(stringValue: name)) }
    }
  }

  /// An object member's name as a coding key.
  private struct MemberKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }
}
