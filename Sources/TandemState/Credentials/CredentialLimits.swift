/// The documented bounds of what the credential store accepts, from a person, a provider
/// or a helper. Anything outside them is refused with a message naming the bound, never
/// cut down or wrapped around.
public enum CredentialLimits {
  /// The most a token (access or refresh) may take, in bytes: 64 KiB. Also the most
  /// `auth login` reads from standard input.
  public static let maximumTokenBytes = 65_536
  /// The most of a token endpoint's or helper's answer that is read as JSON: 1 MiB.
  public static let maximumAnswerBytes = 1_048_576
  /// The longest lifetime an access token may claim: 10 years (315,360,000 s).
  public static let maximumLifetime: Duration = .seconds(315_360_000)
  /// The latest instant a stored expiry may name: 9999-12-31T23:59:59.999Z, the last one
  /// RFC 3339 can write.
  public static let latestExpiryMilliseconds: Int64 = 253_402_300_799_999
  /// How many lines of a helper's (or `curl`'s) standard error a message shows.
  public static let diagnosticLines = 5
  /// How many bytes of a helper's standard error a message shows, at most.
  public static let diagnosticBytes = 1000
  /// How many bytes of a provider's `error_description` a message shows, at most.
  public static let providerTextBytes = 300
  /// The longest the store lets a refresh take, whatever the lock timeout: 30 s.
  public static let maximumRefresh: Duration = .seconds(30)
  /// The most a refresher accepts as its timeout from any caller: an hour. Larger values
  /// (up to Int64.max milliseconds in a hand-built request) are cut to this, so that no
  /// deadline arithmetic can overflow.
  public static let longestRefresh: Duration = .seconds(3600)
  /// The shortest a refresh is given: 100 ms.
  public static let minimumRefresh: Duration = .milliseconds(100)
  /// The shortest the store gives its own refresh, however short the lock timeout: 10 s.
  /// A refresh cut short keeps its in-flight mark, and with a provider that rotates refresh
  /// tokens the next refresh is then refused (the account needs a new login); a waiter that
  /// gives up sooner only exits 6, retryable. So `--lock-timeout 0` (do not wait) must not
  /// mean "give the provider no time".
  public static let shortestStoreRefresh: Duration = .seconds(10)

  /// `timeout` moved into ``minimumRefresh`` ... ``longestRefresh``: what a refresher allows
  /// itself, whatever it was asked.
  static func refreshLimit(_ timeout: Duration) -> Duration {
    min(max(timeout, minimumRefresh), longestRefresh)
  }
}
