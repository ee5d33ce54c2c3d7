import Foundation
import TandemCLI
import TandemState
import TandemTestSupport
import Testing

@Suite("Exit status table")
struct ExitStatusTests {
  @Test("matches the CLI Agent Spec's exit-code schema, value for value and name for name")
  func matchesSpec() throws {
    let data = try #require(FileManager.default.contents(atPath: SchemaValidator.exitCodeSchema))
    let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let values = try #require(schema["enum"] as? [Int])
    let names = try #require(schema["x-enum-varnames"] as? [String])
    #expect(ExitStatus.reserved.map { Int($0.rawValue) } == values)
    #expect(ExitStatus.reserved.map(\.name) == names)
  }

  @Test(
    "each error code maps to its documented exit code",
    arguments: [
      (StateError.Code.concurrentModification, 6, true), (.invalidArgument, 2, false),
      (.limitExceeded, 2, false),
      (.stateCorrupt, 4, false), (.unsafeStatePath, 4, false), (.diskFull, 4, false),
      (.readOnlyFileSystem, 4, false),
      (.notFound, 5, false), (.permissionDenied, 7, false), (.ioError, 1, false),
      (StateError.Code("SOMETHING_ELSE"), 1, false), (.accessDenied, 7, false),
      (.credentialsMissing, 8, false),
      (.credentialsExpired, 8, false), (.refreshRevoked, 8, false), (.refreshTimeout, 10, false),
      (.unavailable, 12, true),
      (.refreshFailed, 1, false),
    ] as [(StateError.Code, Int32, Bool)])
  func catalog(_ code: StateError.Code, _ exit: Int32, _ retryable: Bool) {
    let entry = ErrorCatalog.entry(for: code)
    #expect(entry.exitCode.rawValue == exit)
    #expect(entry.retryable == retryable)
  }

  @Test("the README documents the same table")
  func readmeTable() throws {
    let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("README.md")
    let text = try String(contentsOf: readme, encoding: .utf8)
    for status in ExitStatus.reserved {
      #expect(
        text.contains("| \(status.rawValue) | `\(status.name)` |"), "README lacks the row for \(status)")
    }
  }
}
