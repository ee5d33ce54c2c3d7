import Configuration
import Foundation
import TandemConfiguration
import TandemState
import Testing

/// docs/configuration-provider.md's examples: the reading example runs here, word for word,
/// and the others compile here.
@Suite("docs/configuration-provider.md")
struct DocumentationExampleTests {
  @Test("the reading example runs and reads the layered values")
  func readingExample() throws {
    let fixture = StateFixture()
    try fixture.set(["aws.region": "eu-west-1", "http.retries": "5", "http.timeout": "2.5"])
    try fixture.set(
      ["aws.region": "us-west-2", "cluster.hosts": "a.example, b.example"], instance: "agent-1")
    let home = fixture.home
    // docs: begin
    let provider = try TandemConfigProvider(home: home, instance: try InstanceID("agent-1"))
    let config = ConfigReader(provider: provider)

    let region = config.string(forKey: "aws.region", default: "us-east-1")
    let retries = config.int(forKey: "http.retries", default: 3)
    let hosts = config.stringArray(forKey: "cluster.hosts", default: [])
    let timeout = try config.requiredDouble(forKey: "http.timeout")
    // docs: end
    #expect(region == "us-west-2" && retries == 5 && hosts == ["a.example", "b.example"] && timeout == 2.5)
  }

  @Test("the document shows the example above word for word")
  func documentMatches() throws {
    let here = URL(fileURLWithPath: #filePath)
    let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let document = try String(
      contentsOf: root.appendingPathComponent("docs/configuration-provider.md"), encoding: .utf8)
    let source = try String(contentsOf: here, encoding: .utf8)
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    let begin = try #require(lines.firstIndex { $0.hasSuffix("// docs: begin") })
    let end = try #require(lines.firstIndex { $0.hasSuffix("// docs: end") })
    let block = lines[(begin + 1)..<end].map { $0.dropFirst(4) }.joined(separator: "\n")
    // Checked outside #expect, which would print the whole document on a failure.
    let shown = document.contains("```swift\n" + block + "\n```\n")
    #expect(shown, "docs/configuration-provider.md does not show this block:\n\(block)")
  }
}

// The document's other examples, compiled but not run (they poll or watch until cancelled).

private func homeExample(environment: [String: String]) throws -> StateHome {
  let tool = ToolIdentity(name: "mytool")  // ~/.mytool, MYTOOL_HOME, MYTOOL_INSTANCE_ID, ...
  let home = try StateHome.resolve(tool: tool, explicit: nil, environment: environment)
  return home
}

private func providersExample(home: StateHome, instance: InstanceID) throws -> ConfigReader {
  let config = ConfigReader(providers: [
    EnvironmentVariablesProvider(),  // HTTP_RETRIES=5 overrides the stored http.retries
    try TandemConfigProvider(home: home, instance: instance),
  ])
  return config
}

private func pollingExample(home: StateHome, instance: InstanceID) throws {
  let provider = try TandemConfigProvider(home: home, instance: instance, pollInterval: .seconds(2))
  let polling = Task { try await provider.run() }
  // ... config.string(forKey:) now follows other processes' writes within 2 s ...
  polling.cancel()
}

private func watchingExample(config: ConfigReader) async throws {
  try await config.watchInt(forKey: "http.retries", default: 3) { updates in
    for await retries in updates { print("http.retries is now \(retries)") }
  }
}
