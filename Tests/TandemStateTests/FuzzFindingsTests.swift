import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

/// Inputs that `scripts/fuzz` (target `json`) found, kept as regression tests. Each input is
/// also in Fuzz/Corpus/json, so every fuzz run replays it first.
@Suite("Fuzz findings: decoders")
struct FuzzFindingsStateTests {
  /// 9999-12-31T23:59:59.999Z and 0000-01-01T00:00:00.000Z, the instants a stamp can name.
  static let latest: Int64 = 253_402_300_799_999
  static let earliest: Int64 = -62_167_219_200_000

  @Test(
    "a timestamp before 1970 with a fraction is written as a valid RFC 3339 stamp and reads back",
    arguments: [
      ("0001-03-01 00:00:00.9-00:30", "0001-03-01T00:30:00.900Z"),
      ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
      ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
    ])
  func beforeTheEpoch(_ text: String, _ written: String) throws {
    let milliseconds = try #require(SystemClock.parseRFC3339(text))
    #expect(SystemClock.iso8601(wallMilliseconds: milliseconds) == written)
    #expect(SystemClock.parseRFC3339(written) == milliseconds)
  }

  @Test(
    "an offset that carries a stamp out of the years 0000-9999 is not a timestamp",
    arguments: ["0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59.999-00:01"])
  func outOfRange(_ text: String) {
    #expect(SystemClock.parseRFC3339(text) == nil)
  }

  @Test("any instant is written as a stamp of the years 0000-9999")
  func clamped() {
    #expect(SystemClock.iso8601(wallMilliseconds: .max) == "9999-12-31T23:59:59.999Z")
    #expect(SystemClock.iso8601(wallMilliseconds: .min) == "0000-01-01T00:00:00.000Z")
    #expect(SystemClock.iso8601(wallMilliseconds: -1) == "1969-12-31T23:59:59.999Z")
  }

  @Test("a config document's updated_at before 1970 survives decode, encode, decode")
  func documentRoundTrip() throws {
    let bytes = Array(
      #"{"format":"tandem.config/1","revision":1,"updated_at":"1969-12-31T23:59:59.250+01:00","values":{}}"#
        .utf8)
    let document = try ConfigDocument.decode(bytes, format: configFormat)
    #expect(document.updatedAtMilliseconds == -3_600_750)
    #expect(try ConfigDocument.decode(document.encode(format: configFormat), format: configFormat) == document)
  }

  @Test(
    "an absurd token lifetime from the provider is refused, not an overflow trap",
    arguments: [
      #"{"access_token":"a","expires_in":"5188146770730811390"}"#,
      #"{"access_token":"a","expires_in":9223372036854775807}"#,
      #"{"access_token":"a","expires_in":-9223372036854775808}"#,
      #"{"access_token":"a","expires_at":9223372036854775807}"#,
      #"{"access_token":"a","expires_at":-9223372036854775}"#,
    ])
  func absurdLifetime(_ answer: String) throws {
    let failure = try #require(throws: RefreshFailure.self) {
      try TokenResponse.parse(Array(answer.utf8), keeping: nil)
    }
    #expect(failure.kind == .malformed)
  }

  @Test("a lock record with absurd numbers is read within range, and nothing computed from it traps")
  func absurdLockRecord() throws {
    let directory = TemporaryDirectory()
    let text =
      #"{"holder":{"pid":-1,"instance_id":null,"command":"","acquired_at_ms":-9223372036854775807},"#
      + #""holds":9223372036854775807,"mean_hold_us":9223372036854775807}"#
    try directory.write("x.lock", Data(text.utf8))
    let fd = open(directory.appending("x.lock"), O_RDONLY)
    defer { close(fd) }
    var record = try #require(LockRecord.read(from: fd))
    #expect(
      record.holds <= Int64(Int32.max) && record.meanHoldMicroseconds <= LockRecord.maximumHoldMicroseconds)
    let holder = try #require(record.holder)
    #expect(holder.acquiredAtMilliseconds == Self.earliest)
    #expect(holder.heldMilliseconds(now: SystemClock.wallMilliseconds()) > 0)
    record.recordHold(microseconds: 1_500)
    #expect(record.meanHoldMicroseconds <= LockRecord.maximumHoldMicroseconds)
  }

  @Test("a credential file with absurd numbers is refused as corrupt or read within range, never a trap")
  func absurdCredentials() throws {
    // An expiry outside 1970...9999 was never written by tandem: the file is refused.
    let corrupt =
      #"{"format":"tandem.credentials/1","account":"x","source":{"kind":"command","command":"x"},"#
      + #""generation":9223372036854775807,"tokens":{"access_token":"a","expires_at_ms":-9223372036854775808},"#
      + #""refresh_in_flight":{"pid":1,"started_at_ms":9223372036854775807}}"#
    #expect(AccountRecord.decode(Array(corrupt.utf8), format: credentialsFormat) == nil)
    // The top generation and an absurd in-flight time are kept, within range.
    let extreme =
      #"{"format":"tandem.credentials/1","account":"x","source":{"kind":"command","command":"x"},"#
      + #""generation":9223372036854775807,"tokens":null,"#
      + #""refresh_in_flight":{"pid":1,"started_at_ms":9223372036854775807}}"#
    let record = try #require(AccountRecord.decode(Array(extreme.utf8), format: credentialsFormat))
    #expect(record.generation == AccountRecord.maximumGeneration)
    #expect(AccountRecord.next(after: record.generation) == nil)
    #expect(record.interruptedRefresh.map { $0.startedAtMilliseconds <= Self.latest } == true)
    #expect(AccountRecord.decode(record.encode(format: credentialsFormat), format: credentialsFormat) != nil)
  }

  @Test("a document at the last revision there is refuses the next write instead of trapping")
  func lastRevision() throws {
    let directory = TemporaryDirectory()
    let text = #"{"format":"tandem.config/1","revision":9223372036854775807,"updated_at":null,"values":{}}"#
    try directory.write("home/config.json", Data(text.utf8))
    let store = ConfigStore(home: StateHome(path: directory.appending("home"), tool: .tandem))
    #expect(try store.read().revision == UInt64(Int64.max))
    let error = try #require(throws: StateError.self) { try store.update { $0["k"] = "v" } }
    #expect(error.code == .stateCorrupt)
    #expect(directory.contents("home/config.json") == Data(text.utf8))
  }
}
