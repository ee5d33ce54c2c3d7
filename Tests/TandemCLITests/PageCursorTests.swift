import Testing

@testable import TandemCLI

/// The cursor of a list page: opaque text that gives back exactly the position it was made
/// from, for its own list only.
@Suite("Page cursors")
struct PageCursorTests {
  @Test("base64url round-trips any bytes and refuses every text it would not write")
  func base64() {
    var generator = SystemRandomNumberGenerator()
    for length in 0..<40 {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let text = Base64URL.encode(bytes)
      #expect(Base64URL.decode(text) == bytes)
      #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
    }
    // Padding, other alphabets, a length no encoding has, bits past the end that are not 0.
    for text in ["YQ==", "a+b/", "YWJ", "Y", "YR", "YWJjZA=", " YQ", "YQ\n"] {
      #expect(Base64URL.decode(text) == nil || Base64URL.encode(Base64URL.decode(text)!) == text, "\(text)")
    }
    #expect(Base64URL.decode("YR") == nil && Base64URL.decode("Y") == nil && Base64URL.decode("YQ==") == nil)
  }

  @Test("a cursor gives back its position for its own list, and nothing for another or for noise")
  func cursor() {
    for position in ["a", "k10000", "Odd Key", "é.ü", String(repeating: "x", count: 256)] {
      let cursor = PageCursor.make(after: position, list: "config list")
      #expect(PageCursor.position(of: cursor, list: "config list") == position)
      #expect(PageCursor.position(of: cursor, list: "instances list") == nil)
    }
    for text in ["", "bogus", "!!!!", String(repeating: "A", count: 2_000)] {
      #expect(PageCursor.position(of: text, list: "config list") == nil, "\(text)")
    }
    // Valid base64 of the prefix alone: no position.
    #expect(
      PageCursor.position(of: Base64URL.encode(Array("1:config list:".utf8)), list: "config list") == nil)
  }
}
