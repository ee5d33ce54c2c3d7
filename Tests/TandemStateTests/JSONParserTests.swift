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

  @Test("decodes surrogate pairs")
  func surrogatePairs() throws {
    #expect(try JSONParser.parse("\"\\ud83d\\ude80\"") == .string("🚀"))
  }
}
