/// What ``AccountCredentials`` (and ``CredentialStore``) hand out for an account: its current
/// tokens, their generation, and whether the call contacted the provider.
public struct AccountToken: Sendable {
  /// The account.
  public var account: String
  /// Its current tokens. Secret.
  public var tokens: TokenSet
  /// The generation of these tokens: raised by 1 at every stored refresh.
  public var generation: UInt64
  /// Whether this call contacted the provider.
  public var refreshed: Bool
}
