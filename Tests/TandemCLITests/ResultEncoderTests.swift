import TandemCLI
import TandemState
import Testing

/// Results as the envelope's `data`: the shape ``ResultEncoder`` promises, for small values
/// and for values with thousands of members or elements.
@Suite("Result encoder")
struct ResultEncoderTests {
  struct Report: Encodable {
    struct Holder: Encodable {
      var pid: Int32
      var instanceID: String?
    }
    var lockPath: String
    var waitedMs: Int64
    var holder: Holder?
    var keys: [String]
    var typicalHoldMs: Double
  }

  @Test("members in declaration order, snake_case names, nil as null")
  func shape() throws {
    let full = Report(
      lockPath: "/h/config.json.lock", waitedMs: 3, holder: .init(pid: 7, instanceID: nil), keys: ["a", "b"],
      typicalHoldMs: 0.5)
    #expect(
      JSONWriter.compact(try ResultEncoder.encode(full))
        == #"{"lock_path":"/h/config.json.lock","waited_ms":3,"holder":{"pid":7,"instance_id":null},"#
        + #""keys":["a","b"],"typical_hold_ms":0.5}"#)
    let empty = Report(lockPath: "", waitedMs: 0, holder: nil, keys: [], typicalHoldMs: 0)
    #expect(
      JSONWriter.compact(try ResultEncoder.encode(empty))
        == #"{"lock_path":"","waited_ms":0,"holder":null,"keys":[],"typical_hold_ms":0}"#)
  }

  /// Two containers on one encoder make one object: how a result adds members to a shared
  /// summary's.
  struct Extended: Encodable {
    var base: Report.Holder
    var origin: String
    private enum CodingKeys: CodingKey { case origin }
    func encode(to encoder: any Encoder) throws {
      try base.encode(to: encoder)
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(origin, forKey: .origin)
    }
  }

  @Test("members added by a second container follow the first's")
  func flattened() throws {
    let value = Extended(base: .init(pid: 1, instanceID: "a"), origin: "shared")
    #expect(
      JSONWriter.compact(try ResultEncoder.encode(value)) == #"{"pid":1,"instance_id":"a","origin":"shared"}"#
    )
  }

  /// Encodes `count` members `k0`, `k1`, ... and then some of them again.
  struct Rewritten: Encodable {
    var count: Int
    var again: [Int]
    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(_ index: Int) { stringValue = "k\(index)" }
      init?(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: Key.self)
      for index in 0..<count { try container.encode(index, forKey: Key(index)) }
      for index in again { try container.encode("again", forKey: Key(index)) }
    }
  }

  @Test("a name given again replaces the earlier value in its place, in small and large objects")
  func repeatedNames() throws {
    for (count, again) in [(3, [1]), (16, [0, 15]), (17, [0, 16]), (2_000, [0, 16, 17, 1_999])] {
      guard case .object(let members) = try ResultEncoder.encode(Rewritten(count: count, again: again)) else {
        Issue.record("not an object")
        continue
      }
      #expect(members.map(\.0) == (0..<count).map { "k\($0)" })
      for (index, member) in members.enumerated() {
        #expect(member.1 == (again.contains(index) ? .string("again") : .integer(Int64(index))))
      }
    }
  }

  struct Entry: Encodable {
    var key: String
    var value: String
  }

  struct Listing: Encodable {
    var entries: [Entry]
  }

  @Test("an array of 10,000 objects keeps every element, in order")
  func largeArray() throws {
    let entries = (0..<10_000).map { Entry(key: "k\($0)", value: "v\($0)") }
    let data = try ResultEncoder.encode(Listing(entries: entries))
    guard case .array(let elements)? = data["entries"] else {
      Issue.record("no entries array")
      return
    }
    #expect(elements.count == 10_000)
    #expect(elements.map { $0["key"]?.stringValue ?? "" } == entries.map(\.key))
    #expect(elements.last?["value"] == .string("v9999"))
  }

  /// A value that encodes itself as one nested value (an array), through a single value
  /// container.
  struct Wrapped: Encodable {
    var inner: [Entry]
    func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      try container.encode(inner)
    }
  }

  @Test("a single value container holding an array, inside an object")
  func singleValueNested() throws {
    struct Outer: Encodable { var wrapped: Wrapped }
    let value = Outer(wrapped: Wrapped(inner: [Entry(key: "a", value: "1")]))
    #expect(JSONWriter.compact(try ResultEncoder.encode(value)) == #"{"wrapped":[{"key":"a","value":"1"}]}"#)
  }

  @Test("an integer beyond Int64 is an error, never rounded")
  func largeInteger() {
    struct Big: Encodable { var revision: UInt64 }
    #expect(throws: ResultEncoder.Failure.self) { try ResultEncoder.encode(Big(revision: .max)) }
  }
}
