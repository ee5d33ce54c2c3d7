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
  }

  /// Creates a record.
  public init(name: String, source: CredentialSource, generation: UInt64 = 0, tokens: TokenSet? = nil) {
    self.name = name
    self.source = source
    self.generation = generation
    self.tokens = tokens
  }

  static let format = "tandem.credentials/1"

  func encode() -> [UInt8] {
    let tokens: JSONValue =
      self.tokens.map {
        .object([
          ("access_token", .string($0.accessToken)), ("expires_at_ms", .integer($0.expiresAtMilliseconds)),
          ("refresh_token", .optional($0.refreshToken)), ("token_type", .string($0.tokenType)),
        ])
      } ?? .null
    let inFlight: JSONValue =
      interruptedRefresh.map {
        .object([("pid", .integer(Int64($0.pid))), ("started_at_ms", .integer($0.startedAtMilliseconds))])
      } ?? .null
    let json = JSONValue.object([
      ("format", .string(Self.format)), ("account", .string(name)), ("source", source.json),
      ("generation", .integer(Int64(generation))), ("tokens", tokens), ("refresh_in_flight", inFlight),
    ])
    return Array((JSONWriter.pretty(json) + "\n").utf8)
  }

  static func decode(_ bytes: [UInt8]) -> AccountRecord? {
    guard let json = try? JSONParser.parse(bytes), json["format"]?.stringValue == format,
      let name = json["account"]?.stringValue, let sourceJSON = json["source"],
      let source = CredentialSource(json: sourceJSON), let generation = json["generation"]?.integerValue,
      generation >= 0
    else { return nil }
    // At most 2^62: every refresh adds 1, and the sum must still fit the file's integers.
    var record = AccountRecord(name: name, source: source, generation: UInt64(min(generation, Int64.max / 2)))
    if let tokens = json["tokens"], tokens != .null {
      guard let access = tokens["access_token"]?.stringValue,
        let expires = tokens["expires_at_ms"]?.integerValue
      else {
        return nil
      }
      // Within the instants a timestamp names, so that `expiry - now` cannot overflow.
      record.tokens = TokenSet(
        accessToken: access, expiresAtMilliseconds: SystemClock.clampedToTimestamps(expires),
        refreshToken: tokens["refresh_token"]?.stringValue,
        tokenType: tokens["token_type"]?.stringValue ?? "Bearer")
    }
    if let inFlight = json["refresh_in_flight"], inFlight != .null, let pid = inFlight["pid"]?.integerValue,
      let started = inFlight["started_at_ms"]?.integerValue
    {
      record.interruptedRefresh = InterruptedRefresh(
        pid: Int32(truncatingIfNeeded: pid), startedAtMilliseconds: SystemClock.clampedToTimestamps(started))
    }
    return record
  }
}
