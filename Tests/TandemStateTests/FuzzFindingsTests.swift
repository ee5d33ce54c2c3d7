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
    let document = try ConfigDocument.decode(bytes)
    #expect(document.updatedAtMilliseconds == -3_600_750)
    #expect(try ConfigDocument.decode(document.encode()) == document)
  }

  @Test(
    "an absurd token lifetime from the provider is clamped, not an overflow trap",
    arguments: [
      (#"{"access_token":"a","expires_in":"5188146770730811390"}"#, Self.latest),
      (#"{"access_token":"a","expires_in":9223372036854775807}"#, Self.latest),
      (#"{"access_token":"a","expires_in":-9223372036854775808}"#, Self.earliest),
      (#"{"access_token":"a","expires_at":9223372036854775807}"#, Self.latest),
      (#"{"access_token":"a","expires_at":-9223372036854775}"#, Self.earliest),
    ])
  func absurdLifetime(_ answer: String, _ expiry: Int64) throws {
    let tokens = try TokenResponse.parse(Array(answer.utf8), keeping: nil)
    #expect(tokens.expiresAtMilliseconds == expiry)
    #expect(tokens.isValid(forAtLeast: 60_000) == (expiry > 0))
  }
}
