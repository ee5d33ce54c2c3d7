import Configuration
import Foundation
import TandemConfiguration
import TandemState
import TandemTestSupport
import Testing

@Suite("Layered values through ConfigReader")
struct LayeredReadTests {
  let fixture = StateFixture()

  init() throws {
    try fixture.set(["aws.region": "eu-west-1", "http.retries": "3", "owner": "ops"])
    try fixture.set(["aws.region": "us-east-1", "model": "large"], instance: "agent-1")
  }

  @Test(
    "the instance's value wins; a key only in the shared document falls through; a missing key gives the default"
  )
  func instanceOverShared() throws {
    let provider = try TandemConfigProvider(home: fixture.home, instance: try InstanceID("agent-1"))
    let config = ConfigReader(provider: provider)
    #expect(config.string(forKey: "aws.region") == "us-east-1")
    #expect(config.string(forKey: "owner") == "ops")
    #expect(config.string(forKey: "model") == "large")
    #expect(config.string(forKey: "absent", default: "fallback") == "fallback")
    #expect(config.string(forKey: "absent") == nil)
    #expect(throws: (any Error).self) { try config.requiredString(forKey: "absent") }

    let snapshot = provider.currentSnapshot
    #expect(snapshot.entry(forKey: "aws.region")?.scope == .instance)
    #expect(snapshot.entry(forKey: "owner")?.scope == .shared)
    #expect(snapshot.entry(forKey: "owner")?.revision == 1)
  }

  @Test("without an instance, and for an instance with no document, the shared values are read")
  func sharedOnly() throws {
    let shared = ConfigReader(provider: try TandemConfigProvider(home: fixture.home))
    #expect(shared.string(forKey: "aws.region") == "eu-west-1")
    #expect(shared.string(forKey: "model") == nil, "another instance's value is not visible")
    let other = ConfigReader(
      provider: try TandemConfigProvider(home: fixture.home, instance: try InstanceID("agent-2")))
    #expect(other.string(forKey: "aws.region") == "eu-west-1")
    #expect(other.string(forKey: "model") == nil)
  }

  @Test("key components are joined with dots, as given and through a scoped reader")
  func keyMapping() throws {
    let config = ConfigReader(
      provider: try TandemConfigProvider(home: fixture.home, instance: try InstanceID("agent-1")))
    #expect(config.int(forKey: ConfigKey(["http", "retries"])) == 3)
    #expect(config.scoped(to: "aws").string(forKey: "region") == "us-east-1")
    #expect(config.scoped(to: "http").int(forKey: "retries") == 3)
    #expect(config.string(forKey: "AWS.REGION") == nil, "Tandem keys are case-sensitive")
  }

  @Test("a home that was never written reads as empty")
  func emptyHome() throws {
    let empty = StateFixture()
    let config = ConfigReader(
      provider: try TandemConfigProvider(home: empty.home, instance: try InstanceID("agent-1")))
    #expect(config.string(forKey: "aws.region", default: "none") == "none")
  }

  @Test("a corrupt document is reported as the state error it is, not read as empty")
  func corruptDocument() throws {
    let broken = StateFixture()
    try broken.directory.write("home/config.json", Data("{ not json".utf8))
    #expect {
      try TandemConfigProvider(home: broken.home)
    } throws: { error in
      (error as? StateError)?.code == .stateCorrupt
    }
  }
}
