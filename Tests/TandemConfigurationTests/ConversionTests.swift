import Configuration
import TandemConfiguration
import TandemState
import Testing

@Suite("Typed values from Tandem's strings")
struct ConversionTests {
  let fixture = StateFixture()

  init() throws {
    try fixture.set([
      "port": "8080", "ratio": "0.25", "enabled": "YES", "disabled": "0", "token": "c2VjcmV0",
      "hosts": "a.example, b.example ,c.example", "ports": "80,443", "weights": "0.5,1.5",
      "flags": "true,no,1", "chunks": "bWFnaWM=,bWFnaWMy",
      "region": "eu-west-1", "api.key": "hunter2",
    ])
    try fixture.set(["port": "not-a-port"], instance: "agent-1")
  }

  var config: ConfigReader {
    get throws { ConfigReader(provider: try TandemConfigProvider(home: fixture.home)) }
  }

  @Test("numbers, Booleans, bytes and arrays convert as swift-configuration's own providers convert")
  func conversions() throws {
    let config = try config
    #expect(config.int(forKey: "port") == 8080)
    #expect(config.double(forKey: "ratio") == 0.25)
    #expect(config.double(forKey: "port") == 8080)
    #expect(config.bool(forKey: "enabled") == true)
    #expect(config.bool(forKey: "disabled") == false)
    #expect(config.bytes(forKey: "token") == Array("secret".utf8))
    #expect(config.stringArray(forKey: "hosts") == ["a.example", "b.example", "c.example"])
    #expect(config.intArray(forKey: "ports") == [80, 443])
    #expect(config.doubleArray(forKey: "weights") == [0.5, 1.5])
    #expect(config.boolArray(forKey: "flags") == [true, false, true])
    #expect(config.byteChunkArray(forKey: "chunks") == [Array("magic".utf8), Array("magic2".utf8)])
    #expect(config.string(forKey: "port") == "8080", "a value is always readable as its string")
  }

  @Test("a value that does not convert throws a clear error naming the key, type and document")
  func notConvertible() throws {
    let config = try config
    #expect(config.int(forKey: "region", default: 7) == 7, "a read with a default falls back")
    #expect(config.int(forKey: "region") == nil)
    let error = try #require(throws: ConfigValueConversionError.self) {
      try config.requiredInt(forKey: "region")
    }
    #expect(error.key == "region" && error.type == .int && error.scope == .shared && error.revision == 1)
    #expect(error.description.contains("\"eu-west-1\" (quoted data) is not an integer"), "\(error)")
    #expect(throws: ConfigValueConversionError.self) { try config.requiredBool(forKey: "port") }
    let element = try #require(throws: ConfigValueConversionError.self) {
      try config.requiredIntArray(forKey: "hosts")
    }
    #expect(element.reason.contains("element 1"), "\(element)")
  }

  @Test("the instance's value is the one converted, and the error says so")
  func instanceValueConverted() throws {
    let config = ConfigReader(
      provider: try TandemConfigProvider(home: fixture.home, instance: try InstanceID("agent-1")))
    let error = try #require(throws: ConfigValueConversionError.self) {
      try config.requiredInt(forKey: "port")
    }
    #expect(error.scope == .instance)
  }

  @Test("a secret value is marked secret and never quoted in an error")
  func secrets() throws {
    let provider = try TandemConfigProvider(home: fixture.home, secretsSpecifier: .specific(["api.key"]))
    let result = try provider.value(forKey: AbsoluteConfigKey(["api", "key"]), type: .string)
    #expect(result.value?.isSecret == true && result.encodedKey == "api.key")
    #expect(try provider.value(forKey: AbsoluteConfigKey(["region"]), type: .string).value?.isSecret == false)
    let error = try #require(throws: ConfigValueConversionError.self) {
      try provider.value(forKey: AbsoluteConfigKey(["api", "key"]), type: .int)
    }
    #expect(!error.description.contains("hunter2"), "\(error)")
  }
}
