import Testing

@testable import TandemState

@Suite("Validation of ids, keys and durations")
struct ValidationTests {
  @Test(
    "accepts valid instance ids", arguments: ["a", "agent-1", "A.b_c-9", String(repeating: "x", count: 64)])
  func validInstanceIDs(_ id: String) throws {
    #expect(try InstanceID(id).rawValue == id)
  }

  @Test(
    "refuses hostile instance ids",
    arguments: [
      "", ".", "..", "../x", "a/b", "/etc", "-rf", ".hidden", "a\u{0}b", "a b", "ａgent", "аgent",
      String(repeating: "x", count: 65), String(repeating: "y", count: 10_000), "a\nb",
    ])
  func invalidInstanceIDs(_ id: String) {
    #expect(throws: StateError.self) { try InstanceID(id) }
    #expect(InstanceID.isValid(id) == false)
  }

  @Test("accepts dotted keys", arguments: ["region", "aws.region", "a_b-c.d9", "_private", "x.y.z"])
  func validKeys(_ key: String) {
    #expect(ConfigKey.isValid(key))
  }

  @Test(
    "refuses malformed keys",
    arguments: [
      "", ".", "a.", ".a", "a..b", "-a", "a.-b", "a/b", "a=b", "a b", "ключ",
      String(repeating: "k", count: 257),
    ])
  func invalidKeys(_ key: String) {
    #expect(!ConfigKey.isValid(key))
    #expect(throws: StateError.self) { try ConfigKey.validate(key) }
  }

  @Test(
    "parses lock timeouts",
    arguments: [("0", 0), ("250ms", 250), ("5s", 5000), ("2m", 120_000), ("1500", 1500), ("1.5s", 1500)]
      as [(String, Int64)])
  func timeouts(_ text: String, _ milliseconds: Int64) throws {
    #expect(try LockTimeout(parsing: text).milliseconds == milliseconds)
  }

  @Test("refuses malformed lock timeouts", arguments: ["", "abc", "-1", "5h", "5 s", "1e3", "61m", "ms"])
  func invalidTimeouts(_ text: String) {
    #expect(throws: StateError.self) { try LockTimeout(parsing: text) }
  }
}

@Suite("Lock timeouts as durations")
struct LockTimeoutDurationTests {
  @Test("a Duration becomes whole milliseconds, rounded up and clamped to the hour")
  func fromDuration() {
    #expect(LockTimeout(.milliseconds(250)).milliseconds == 250)
    #expect(LockTimeout(.microseconds(200)).milliseconds == 1, "a wait of 0.2 ms is not a wait of none")
    #expect(LockTimeout(.seconds(-3)).milliseconds == 0)
    #expect(LockTimeout(.seconds(Int64.max)) == .maximum)
    #expect(LockTimeout(milliseconds: 1500).duration == .milliseconds(1500))
  }
}
