import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

@Suite("Credentials: checked arithmetic, redaction, endpoint rules")
struct CredentialHardeningTests {
  static let now: Int64 = 1_800_000_000_000

  static func answer(_ members: String) -> [UInt8] {
    Array(#"{"access_token":"a",\#(members)}"#.utf8)
  }

  @Test(
    "expires_in and expires_at at the extremes are refused by name, never wrapped",
    arguments: [
      (#""expires_in":9223372036854775807"#, "expires_in"),
      (#""expires_in":-9223372036854775808"#, "expires_in"),
      (#""expires_in":0"#, "expires_in"), (#""expires_in":-1"#, "expires_in"),
      (#""expires_in":315360001"#, "expires_in"), (#""expires_in":1.5"#, "expires_in"),
      (#""expires_in":"9223372036854775807""#, "expires_in"), (#""expires_in":true"#, "expires_in"),
      (#""expires_at":9223372036854775807"#, "expires_at"),
      (#""expires_at":-9223372036854775808"#, "expires_at"),
      (#""expires_at":9223372036854775"#, "expires_at"),
      (#""expires_at":"2030-13-01T00:00:00Z""#, "expires_at"),
      (#""expires_at":"2030-01-01T24:00:00Z""#, "expires_at"),
      (#""expires_at":"2029-02-29T00:00:00Z""#, "expires_at"),
      (#""expires_at":"2030-01-01T00:00:00+24:00""#, "expires_at"),
      (#""expires_at":"2030-01-01""#, "expires_at"),
      (#""expires_at":1700000000"#, "expires_at"), (#""expires_at":2200000000"#, "expires_at"),
      (#""token_type":"Bearer""#, "expires_in"),
    ])
  func extremes(_ members: String, _ field: String) throws {
    let failure = try #require(throws: RefreshFailure.self) {
      try TokenResponse.parse(Self.answer(members + #","refresh_token":"r2""#), keeping: "r1", now: Self.now)
    }
    #expect(failure.kind == .malformed)
    #expect(failure.detail.contains(field), "\(failure.detail)")
    #expect(failure.rotatedRefreshToken == "r2", "the rotated token travels with the refusal")
  }

  @Test("any clock reading, however absurd, gives an answer or a refusal, never an overflow")
  func absurdClock() {
    for now in [Int64.min, -1, 0, Int64.max] {
      for members in [
        #""expires_in":315360000"#, #""expires_at":253402300799"#, #""expires_at":"9999-12-31T23:59:59Z""#,
        #""expires_at":0"#,
      ] {
        _ = try? TokenResponse.parse(Self.answer(members), keeping: nil, now: now)
      }
    }
  }

  @Test("valid expiries: the lifetime's bounds, epoch seconds, RFC 3339 with offsets and leap days")
  func validExpiries() throws {
    func expiry(_ members: String) throws -> Int64 {
      try TokenResponse.parse(Self.answer(members), keeping: nil, now: Self.now).expiresAtMilliseconds
    }
    #expect(try expiry(#""expires_in":1"#) == Self.now + 1000)
    #expect(try expiry(#""expires_in":315360000"#) == Self.now + 315_360_000_000)
    #expect(try expiry(#""expires_in":"3600""#) == Self.now + 3_600_000)
    #expect(try expiry(#""expires_in":3600.0"#) == Self.now + 3_600_000)
    #expect(try expiry(#""expires_at":1800000060"#) == 1_800_000_060_000)
    #expect(try expiry(#""expires_at":"2028-02-29T00:00:00Z""#) == 1_835_395_200_000)
    #expect(try expiry(#""expires_at":"2027-01-15T10:00:00.5+02:00""#) == 1_800_000_000_000 + 500)
  }

  @Test("an OAuth error in a 200 answer or from a helper is classified like the HTTP one")
  func errorAnswers() throws {
    for (code, kind) in [
      ("invalid_grant", RefreshFailure.Kind.invalidGrant), ("invalid_client", .accessDenied),
      ("temporarily_unavailable", .unavailable), ("something_else", .malformed),
    ] {
      let failure = try #require(throws: RefreshFailure.self) {
        try TokenResponse.parse(Array(#"{"error":"\#(code)","error_description":"x"}"#.utf8), keeping: nil)
      }
      #expect(failure.kind == kind)
    }
  }

  @Test("tokens that cannot be stored are refused: empty, over 64 KiB, control characters")
  func tokenShape() throws {
    #expect(TokenResponse.tokenProblem("") != nil)
    #expect(TokenResponse.tokenProblem(String(repeating: "a", count: 65_537)) != nil)
    #expect(TokenResponse.tokenProblem(String(repeating: "a", count: 65_536)) == nil)
    #expect(TokenResponse.tokenProblem("a\u{0}b") != nil)
    let unusable = try #require(throws: RefreshFailure.self) {
      try TokenResponse.parse(
        Array(#"{"access_token":"a\nb","expires_in":60,"refresh_token":"r2"}"#.utf8), keeping: nil)
    }
    #expect(unusable.rotatedRefreshToken == "r2")
  }

  @Test("validity checks saturate instead of overflowing")
  func saturatingValidity() {
    for expiry in [Int64.min, Int64.max, 0] {
      let tokens = TokenSet(accessToken: "a", expiresAtMilliseconds: expiry, refreshToken: nil)
      for minimum in [Int64.min, -1, 0, Int64.max].map({ Duration.milliseconds($0) }) {
        for now in [Int64.min, 0, Int64.max] {
          let valid = tokens.isValid(forAtLeast: minimum, now: now)
          #expect(valid == (expiry > now && tokens.remaining(now: now) > max(.zero, minimum)))
        }
      }
    }
    #expect(
      TokenSet(accessToken: "a", expiresAtMilliseconds: Int64.max, refreshToken: nil).remaining(
        now: Int64.min) == .milliseconds(Int64.max))
  }

  @Test("a lifetime (expires_in) becomes an expiry that far from the wall clock, saturating")
  func lifetimeFromNow() {
    let before = SystemClock.wallMilliseconds()
    let tokens = TokenSet(accessToken: "a", expiresIn: .seconds(3600), refreshToken: "r")
    let after = SystemClock.wallMilliseconds()
    #expect((before + 3_600_000...after + 3_600_000).contains(tokens.expiresAtMilliseconds))
    #expect(tokens.refreshToken == "r" && tokens.tokenType == "Bearer")
    #expect(tokens.isValid(forAtLeast: .seconds(3000)) && !tokens.isValid(forAtLeast: .seconds(3700)))
    let far = TokenSet(accessToken: "a", expiresIn: .seconds(Int64.max), refreshToken: nil)
    #expect(far.expiresAtMilliseconds == .max)
    let past = TokenSet(accessToken: "a", expiresIn: .seconds(Int64.min), refreshToken: nil)
    #expect(past.expiresAtMilliseconds < 0 && !past.isValid(forAtLeast: .zero))
    // What the store refuses to keep: an expiry after 9999-12-31.
    #expect(CredentialStore.problem(with: far) != nil)
  }

  @Test("redaction: known secrets (also form-encoded) and token-shaped words; ordinary text and paths stay")
  func redaction() {
    let redactor = Redactor(secrets: ["rt/secret+1", "cs-plain", nil, "ab"])
    #expect(redactor.redact("got rt/secret+1 and rt%2Fsecret%2B1") == "got [REDACTED] and [REDACTED]")
    #expect(redactor.redact("secret cs-plain!") == "secret [REDACTED]!")
    #expect(redactor.redact("ab stays: too short to be a secret") == "ab stays: too short to be a secret")
    #expect(
      redactor.redact("jwt eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbC here") == "jwt [REDACTED] here")
    #expect(
      redactor.redact("cannot open /home/me/.config/helper/token.json: denied")
        == "cannot open /home/me/.config/helper/token.json: denied")
    #expect(
      redactor.redact("server_error: temporarily unavailable") == "server_error: temporarily unavailable")
    #expect(
      redactor.redactKnownSecrets("/tmp/tandem-e2e-ABC123456789xyz0/a")
        == "/tmp/tandem-e2e-ABC123456789xyz0/a")
  }

  @Test("a helper's standard error: last lines only, bounded, redacted")
  func standardErrorTail() throws {
    let lines = (1...100).map { "line \($0)" } + ["token abcdef0123456789abcdef0123"]
    let text = Array(lines.joined(separator: "\n").utf8)
    let tail = try #require(ProgramDiagnostics.tail(text, redactor: Redactor()))
    #expect(tail == "line 97 | line 98 | line 99 | line 100 | token [REDACTED]")
    let long = Array((String(repeating: "x", count: 50_000) + "\nend").utf8)
    #expect(try #require(ProgramDiagnostics.tail(long, redactor: Redactor())) == "end")
    let wide = Array(String(repeating: "word ", count: 2000).utf8)
    #expect(try #require(ProgramDiagnostics.tail(wide, redactor: Redactor())).utf8.count <= 1000)
    #expect(ProgramDiagnostics.tail([], redactor: Redactor()) == nil)
  }

  @Test(
    "token endpoints: https anywhere, http only to loopback, no user information",
    arguments: [
      ("https://login.example.com/oauth/token", true), ("HTTPS://login.example.com/t", true),
      ("http://127.0.0.1:8080/token", true), ("http://127.1.2.3/t", true), ("http://localhost/t", true),
      ("http://[::1]:9/t", true), ("http://login.example.com/t", false),
      ("http://127.0.0.1.example.com/t", false),
      ("http://localhost.example.com/t", false), ("http://127.0.0.1@evil.example/t", false),
      ("https://u:p@login.example.com/t", false), ("https://login.example.com:99999/t", false),
      ("https:///t", false), ("file:///etc/passwd", false), ("https://login example.com/t", false),
      ("http://[::1/t", false), ("http://256.0.0.1/t", false),
    ])
  func endpoints(_ url: String, _ allowed: Bool) {
    #expect((TokenEndpoint.problem(url) == nil) == allowed, "\(url): \(TokenEndpoint.problem(url) ?? "ok")")
  }

  /// A refresher with a fixed answer.
  struct Fixed: TokenRefresher {
    let answer: Result<TokenSet, RefreshFailure>
    func refresh(_ request: RefreshRequest) throws(RefreshFailure) -> TokenSet { try answer.get() }
  }

  @Test("a refused answer that rotated the refresh token: the store keeps the new one, raises the generation")
  func rotatedTokenKept() throws {
    let directory = TemporaryDirectory()
    let store = CredentialStore(home: StateHome(path: directory.appending("home"), tool: .tandem))
    let intent = LockIntent(instanceID: nil, command: "t")
    try store.login(
      account: "a", source: .command("true"), refreshToken: "r0", timeout: .default, intent: intent)
    let refused = Fixed(
      answer: .failure(
        RefreshFailure(.malformed, "expires_in is 9223372036854775807", rotatedRefreshToken: "r1")))
    let error = try #require(throws: StateError.self) {
      try store.token(
        account: "a", minimumValidity: .zero, timeout: .default, intent: intent, refresher: refused)
    }
    #expect(error.code == .refreshFailed && error.message.contains("generation 1"))
    let record = try store.record("a")
    #expect(record.tokens?.refreshToken == "r1" && record.generation == 1 && record.interruptedRefresh == nil)
    #expect(record.tokens?.accessToken == "", "no access token of unknown lifetime is stored")

    // A custom refresher's out-of-range expiry is refused the same way.
    let wild = Fixed(
      answer: .success(TokenSet(accessToken: "t", expiresAtMilliseconds: Int64.max, refreshToken: "r2")))
    let second = try #require(throws: StateError.self) {
      try store.token(
        account: "a", minimumValidity: .zero, timeout: .default, intent: intent, refresher: wild)
    }
    #expect(second.code == .refreshFailed)
    #expect(try store.record("a").tokens?.refreshToken == "r2" && store.record("a").generation == 2)
  }

  @Test("hand-built requests with Int64 extremes do not crash the built-in refreshers")
  func extremeRequests() throws {
    let oauth = RefreshRequest(
      account: "a", source: .oauth(.init(tokenURL: "http://127.0.0.1:9/token", clientID: "c")),
      refreshToken: "r",
      timeoutMilliseconds: Int64.max)
    #expect(throws: RefreshFailure.self) { try OAuthRefresher().refresh(oauth) }
    let command = RefreshRequest(
      account: "a", source: .command(#"printf '{"access_token":"t","expires_in":60}'"#), refreshToken: "r",
      timeoutMilliseconds: Int64.max)
    #expect(try CommandRefresher(tool: .tandem).refresh(command).accessToken == "t")
    let negative = RefreshRequest(
      account: "a", source: .command(#"printf '{"access_token":"t","expires_in":60}'"#), refreshToken: "r",
      timeoutMilliseconds: Int64.min)
    #expect(try CommandRefresher(tool: .tandem).refresh(negative).accessToken == "t")
  }

  @Test("an account file with a generation or expiry out of range is corrupt or refused, never a crash")
  func hostileRecords() throws {
    let directory = TemporaryDirectory()
    let store = CredentialStore(home: StateHome(path: directory.appending("home"), tool: .tandem))
    let intent = LockIntent(instanceID: nil, command: "t")
    try store.login(
      account: "a", source: .command("true"), refreshToken: "r0", timeout: .default, intent: intent)
    let path = store.path(of: "a")
    func write(generation: String, expiry: String) throws {
      let text = """
        {"format":"tandem.credentials/1","account":"a","source":{"kind":"command","command":"true"},
        "generation":\(generation),"tokens":{"access_token":"t","expires_at_ms":\(expiry),"refresh_token":"r"},
        "refresh_in_flight":{"pid":99999999999,"started_at_ms":-9223372036854775808}}
        """
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
    try write(generation: "0", expiry: "-9223372036854775808")
    #expect(throws: StateError.self) { try store.record("a") }
    try write(generation: "-1", expiry: "0")
    #expect(throws: StateError.self) { try store.record("a") }
    try write(generation: "9223372036854775807", expiry: "0")
    let record = try store.record("a")
    #expect(record.generation == AccountRecord.maximumGeneration)
    #expect(record.interruptedRefresh?.startedAtMilliseconds == 0)
    let refused = Fixed(answer: .failure(RefreshFailure(.unavailable, "never called")))
    let error = try #require(throws: StateError.self) {
      try store.token(
        account: "a", minimumValidity: .zero, timeout: .default, intent: intent, refresher: refused)
    }
    #expect(error.code == .limitExceeded)
    let unissued = try #require(throws: StateError.self) {
      try store.refresh(
        account: "a", ifGeneration: UInt64.max, timeout: .default, intent: intent, refresher: refused)
    }
    #expect(unissued.code == .invalidArgument)
  }
}
