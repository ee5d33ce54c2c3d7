import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

@Suite("Credential records and token responses")
struct CredentialTests {
  @Test("token responses: expires_in, expires_at as seconds or RFC 3339, a kept refresh token")
  func responses() throws {
    let now = SystemClock.wallMilliseconds()
    let plain = try TokenResponse.parse(
      Array(#"{"access_token":"a","expires_in":60,"refresh_token":"r2"}"#.utf8), keeping: "r1")
    #expect(plain.accessToken == "a" && plain.refreshToken == "r2")
    #expect(abs(plain.expiresAtMilliseconds - (now + 60_000)) < 2000)
    let kept = try TokenResponse.parse(
      Array(#"{"access_token":"a","expires_at":2000000000}"#.utf8), keeping: "r1", now: 1_800_000_000_000)
    #expect(kept.refreshToken == "r1" && kept.expiresAtMilliseconds == 2_000_000_000_000)
    let stamped = try TokenResponse.parse(
      Array(#"{"access_token":"a","expires_at":"2033-05-18T03:33:20Z"}"#.utf8), keeping: nil,
      now: 1_800_000_000_000)
    #expect(stamped.expiresAtMilliseconds == 2_000_000_000_000)
    #expect(throws: RefreshFailure.self) {
      try TokenResponse.parse(Array(#"{"token":"a"}"#.utf8), keeping: nil)
    }
    #expect(throws: RefreshFailure.self) { try TokenResponse.parse(Array("not json".utf8), keeping: nil) }
  }

  @Test(
    "RFC 3339 timestamps",
    arguments: [
      ("1970-01-01T00:00:00Z", Int64(0)), ("2033-05-18T03:33:20Z", 2_000_000_000_000),
      ("2033-05-18T05:33:20.250+02:00", 2_000_000_000_250), ("2000-02-29T00:00:00Z", 951_782_400_000),
    ])
  func rfc3339(_ text: String, _ milliseconds: Int64) {
    #expect(SystemClock.parseRFC3339(text) == milliseconds)
    #expect(SystemClock.parseRFC3339(SystemClock.iso8601(wallMilliseconds: milliseconds)) == milliseconds)
  }

  @Test("form encoding escapes everything but unreserved characters")
  func formEncoding() {
    #expect(OAuthRefresher.formEncode("a b&c=d/é~_.-") == "a%20b%26c%3Dd%2F%C3%A9~_.-")
  }

  @Test("account records round-trip, and a corrupt one is reported, not reset")
  func records() throws {
    let directory = TemporaryDirectory()
    let home = StateHome(path: directory.appending("home"), tool: .tandem)
    let store = CredentialStore(home: home)
    let source = CredentialSource.oauth(
      .init(tokenURL: "https://x/token", clientID: "c", clientSecretEnvironmentVariable: "S"))
    try store.login(
      account: "a", source: source, refreshToken: "r0", timeout: .default,
      intent: .init(instanceID: nil, command: "t"))
    let record = try store.record("a")
    #expect(record.source == source && record.tokens?.refreshToken == "r0" && record.generation == 0)
    let mode =
      try FileManager.default.attributesOfItem(atPath: store.path(of: "a"))[.posixPermissions] as? Int
    #expect(mode == 0o600)
    try Data("{".utf8).write(to: URL(fileURLWithPath: store.path(of: "a")))
    let error = try #require(throws: StateError.self) { try store.record("a") }
    #expect(error.code == .stateCorrupt)
    #expect(FileManager.default.contents(atPath: store.path(of: "a")) == Data("{".utf8))
  }

  /// A refresher that counts calls and answers as told.
  final class FakeRefresher: TokenRefresher, @unchecked Sendable {
    let lock = NSLock()
    var calls = 0
    var answer: Result<TokenSet, RefreshFailure>

    init(_ answer: Result<TokenSet, RefreshFailure>) { self.answer = answer }

    func refresh(_ request: RefreshRequest) throws(RefreshFailure) -> TokenSet {
      lock.lock()
      calls += 1
      let answer = self.answer
      lock.unlock()
      return try answer.get()
    }
  }

  @Test("a refused refresh keeps the stored credentials and tells expired from revoked")
  func refusedRefresh() throws {
    let directory = TemporaryDirectory()
    let store = CredentialStore(home: StateHome(path: directory.appending("home"), tool: .tandem))
    let intent = LockIntent(instanceID: nil, command: "t")
    try store.login(
      account: "a", source: .command("true"), refreshToken: "r0", timeout: .default, intent: intent)
    let expired = FakeRefresher(.failure(RefreshFailure(.invalidGrant, "refresh token expired")))
    let first = try #require(throws: StateError.self) {
      try store.token(account: "a", minimumValidity: 0, timeout: .default, intent: intent, refresher: expired)
    }
    #expect(first.code == .credentialsExpired)
    let revoked = FakeRefresher(.failure(RefreshFailure(.invalidGrant, "grant revoked")))
    let second = try #require(throws: StateError.self) {
      try store.token(account: "a", minimumValidity: 0, timeout: .default, intent: intent, refresher: revoked)
    }
    #expect(second.code == .refreshRevoked)
    #expect(try store.record("a").tokens?.refreshToken == "r0")
    #expect(try store.record("a").interruptedRefresh == nil, "a finished refresh leaves no in-flight mark")

    let good = FakeRefresher(
      .success(
        TokenSet(
          accessToken: "t1", expiresAtMilliseconds: SystemClock.wallMilliseconds() + 3_600_000,
          refreshToken: "r1")))
    let result = try store.token(
      account: "a", minimumValidity: 60_000, timeout: .default, intent: intent, refresher: good)
    #expect(result.refreshed && result.generation == 1 && result.tokens.accessToken == "t1")
    let cached = try store.token(
      account: "a", minimumValidity: 60_000, timeout: .default, intent: intent, refresher: good)
    #expect(!cached.refreshed && good.calls == 1)
    let unchanged = try store.refresh(
      account: "a", ifGeneration: 0, timeout: .default, intent: intent, refresher: good)
    #expect(!unchanged.refreshed && unchanged.generation == 1 && good.calls == 1)
  }
}
