import Configuration
import ConfigurationTesting
import TandemConfiguration
import TandemState
import Testing

@Suite("swift-configuration's provider compatibility test")
struct ProviderCompatibilityTests {
  @Test("get, fetch, watch, snapshot and watchSnapshot give swift-configuration's expected values")
  func compatibility() async throws {
    let fixture = StateFixture()
    // The expected values, split across the two layers: half in the instance's document, half
    // in the shared one, where the instance's half is also set to values that must lose.
    let values = [
      "string": "Hello", "other.string": "Other Hello", "int": "42", "other.int": "24",
      "double": "3.14", "other.double": "2.72", "bool": "true", "other.bool": "false",
      "bytes": "bWFnaWM=", "other.bytes": "bWFnaWMy", "stringy.array": "Hello,World",
      "other.stringy.array": "Hello,Swift", "inty.array": "42,24", "other.inty.array": "16,32",
      "doubly.array": "3.14,2.72", "other.doubly.array": "0.9,1.8", "booly.array": "true,false",
      "other.booly.array": "false,true,true", "byteChunky.array": "bWFnaWM=,bWFnaWMy",
      "other.byteChunky.array": "bWFnaWM=,bWFnaWMy,bWFnaWM=",
    ]
    let instanceKeys = Set(values.keys.filter { $0.hasPrefix("other.") })
    try fixture.set(values.filter { instanceKeys.contains($0.key) }, instance: "agent-1")
    var shared = values.filter { !instanceKeys.contains($0.key) }
    for key in instanceKeys { shared[key] = "shadowed" }
    try fixture.set(shared)
    let provider = try TandemConfigProvider(home: fixture.home, instance: try InstanceID("agent-1"))
    try await ProviderCompatTest(provider: provider).runTest()
  }
}
