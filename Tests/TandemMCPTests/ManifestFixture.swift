import Foundation
import TandemState

/// The hand-made manifest of Tests/Fixtures/mcp-manifest.json: the six commands the server
/// exposes, and `sample.every-type` with a flag of every type the manifest schema has.
enum ManifestFixture {
  /// The fixture's path.
  static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/mcp-manifest.json").path

  /// The fixture's text.
  static func text() throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
  }

  /// The fixture parsed with TandemState's parser (objects keep their order).
  static func manifest() throws -> JSONValue {
    try JSONParser.parse(try text())
  }

  /// The entry of command `path`.
  static func entry(_ path: String) throws -> JSONValue {
    guard let entry = try manifest()["commands"]?[path] else { throw FixtureMissing(path: path) }
    return entry
  }

  struct FixtureMissing: Error {
    let path: String
  }
}
