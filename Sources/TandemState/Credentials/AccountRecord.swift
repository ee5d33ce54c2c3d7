/// One account as stored in `credentials/NAME.json`: where its tokens come from, the
/// current tokens, and a generation raised by 1 at every refresh.
///
/// Token sets are kept once per account, shared by every instance: providers cap the live
/// refresh tokens of a user, and per-instance copies would refresh on their own.
public struct AccountRecord: Sendable, Equatable {
  /// The account name.
  public var name: String
  /// Where tokens come from.
  public var source: CredentialSource
  /// Raised by 1 at every stored refresh; 0 right after login.
  public var generation: UInt64
  /// The current tokens, if any were obtained yet.
  public var tokens: TokenSet?
  /// A refresh that started and never finished: its process died holding the lock. The
  /// provider may have rotated the refresh token without tandem seeing the new one.
  public var interruptedRefresh: InterruptedRefresh?

  /// A refresh whose process died mid-request.
  public struct InterruptedRefresh: Sendable, Equatable {
    /// The process that sent the request.
    public var pid: Int32
    /// When it was sent, in milliseconds since the epoch.
    public var startedAtMilliseconds: Int64
    /// The host it ran on, when the store is shared by several hosts (nil on one machine,
    /// where the file leaves it out).
    public var host: String? = nil
  }

  /// Creates a record.
  public init(name: String, source: CredentialSource, generation: UInt64 = 0, tokens: TokenSet? = nil) {
    self.name = name
    self.source = source
    self.generation = generation
    self.tokens = tokens
  }

  /// The kind of document in its format tag: `NAME.credentials/1`.
  package static let formatKind = "credentials"

  /// The largest generation: the file stores it as a JSON integer (Int64).
  public static let maximumGeneration = UInt64(Int64.max)

  /// The generation after `generation`, or nil at ``maximumGeneration``: checked, never
  /// wrapped, so that `--if-generation` keeps its meaning.
  static func next(after generation: UInt64) -> UInt64? {
    generation < maximumGeneration ? generation + 1 : nil
  }

  /// The record as the file store writes it (and the PostgreSQL store keeps it): JSON with
  /// the format tag `format`.
  package func encode(format: String) -> [UInt8] {
    let tokens: JSONValue =
      self.tokens.map {
        .object([
          ("access_token", .string($0.accessToken)), ("expires_at_ms", .integer($0.expiresAtMilliseconds)),
          ("refresh_token", .optional($0.refreshToken)), ("token_type", .string($0.tokenType)),
        ])
      } ?? .null
    let inFlight: JSONValue =
      interruptedRefresh.map {
        var fields: [(String, JSONValue)] = [
          ("pid", .integer(Int64($0.pid))), ("started_at_ms", .integer($0.startedAtMilliseconds)),
        ]
        if let host = $0.host { fields.append(("host", .string(host))) }
        return .object(fields)
      } ?? .null
    let json = JSONValue.object([
      ("format", .string(format)), ("account", .string(name)), ("source", source.json),
      ("generation", .integer(Int64(clamping: generation))), ("tokens", tokens),
      ("refresh_in_flight", inFlight),
    ])
    return Array((JSONWriter.pretty(json) + "\n").utf8)
  }

  /// The record in `bytes`, or nil when they are not one of format `format`.
  package static func decode(_ bytes: [UInt8], format: String) -> AccountRecord? {
    guard let json = try? JSONParser.parse(bytes), json["format"]?.stringValue == format,
      let name = json["account"]?.stringValue, let sourceJSON = json["source"],
      let source = CredentialSource(json: sourceJSON), let generation = json["generation"]?.integerValue,
      generation >= 0
    else { return nil }
    var record = AccountRecord(name: name, source: source, generation: UInt64(generation))
    if let tokens = json["tokens"], tokens != .null {
      // An expiry outside 1970...9999 was never written by the framework: the file was edited or
      // damaged, and arithmetic on it could overflow.
      guard let access = tokens["access_token"]?.stringValue,
        let expires = tokens["expires_at_ms"]?.integerValue,
        expires >= 0, expires <= CredentialLimits.latestExpiryMilliseconds
      else {
        return nil
      }
      record.tokens = TokenSet(
        accessToken: access, expiresAtMilliseconds: expires,
        refreshToken: tokens["refresh_token"]?.stringValue,
        tokenType: tokens["token_type"]?.stringValue ?? "Bearer")
    }
    if let inFlight = json["refresh_in_flight"], inFlight != .null, let pid = inFlight["pid"]?.integerValue,
      let started = inFlight["started_at_ms"]?.integerValue
    {
      // The mark matters more than its time: keep it, with the time brought into range.
      record.interruptedRefresh = InterruptedRefresh(
        pid: Int32(truncatingIfNeeded: pid),
        startedAtMilliseconds: min(max(started, 0), CredentialLimits.latestExpiryMilliseconds),
        host: inFlight["host"]?.stringValue)
    }
    return record
  }
}
