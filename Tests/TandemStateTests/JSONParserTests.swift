import Testing

@testable import TandemState

@Suite("JSON parser and writer")
struct JSONParserTests {
  @Test("round-trips documents with escapes and unicode")
  func roundTrip() throws {
    let value: JSONValue = .object([
      ("text", .string("quote \" backslash \\ newline \n tab \t nul \u{0} emoji 🚀 é")),
      ("number", .integer(-42)), ("double", .double(1.5)), ("flag", .bool(true)), ("nothing", .null),
      ("list", .array([.integer(1), .string("two")])),
    ])
    #expect(try JSONParser.parse(JSONWriter.compact(value)) == value)
    #expect(try JSONParser.parse(JSONWriter.pretty(value)) == value)
  }

  @Test(
    "refuses what is not exactly one JSON value",
    arguments: [
      "", "{", "{\"a\":1", "{\"a\":1}x", "{\"a\":1}{}", "[1,]", "{\"a\" 1}", "nul", "01", "1.", "\"\\x\"",
      "\"a\u{01}b\"", "{\"a\":1,\"a\":2}", "\"\\ud800\"",
      String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
  func refusesInvalid(_ text: String) {
    #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
  }

  @Test("refuses invalid UTF-8 inside strings")
  func refusesInvalidUTF8() {
    let bytes: [UInt8] = Array("{\"a\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
    #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes) }
  }

  @Test(
    "refuses a repeated member name in every order and size",
    arguments: [
      ["a", "b", "a"], ["b", "a", "b"],
      (0..<40).map { "k\($0)" } + ["k7"],
      (0..<40).map { "k\($0)" }.sorted() + ["k9"],
      (0..<40).map { "k\($0)" }.sorted().reversed() + ["k0"],
      // Canonically equivalent names are the same name: precomposed and decomposed é.
      ["caf\u{E9}", "cafe\u{301}"], (0..<40).map { "k\($0)" } + ["caf\u{E9}", "cafe\u{301}"],
    ])
  func refusesDuplicates(_ names: [String]) {
    let text = "{" + names.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
    #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
  }

  @Test("accepts distinct member names in every order and size, keeping their order")
  func acceptsDistinct() throws {
    for names in [(0..<40).map { "k\($0)" }, (0..<40).map { "k\($0)" }.sorted(), ["b", "a"], ["a", "b"]] {
      let text = "{" + names.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
      guard case .object(let members) = try JSONParser.parse(text) else {
        Issue.record("not an object")
        return
      }
      #expect(members.map(\.0) == names)
    }
  }

  @Test("decodes surrogate pairs")
  func surrogatePairs() throws {
    #expect(try JSONParser.parse("\"\\ud83d\\ude80\"") == .string("🚀"))
  }
}
