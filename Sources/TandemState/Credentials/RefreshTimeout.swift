extension RefreshRequest {
  /// How long the refresher may take in all.
  public var timeout: Duration {
    get { .milliseconds(timeoutMilliseconds) }
    set { timeoutMilliseconds = newValue.wholeMilliseconds }
  }

  /// A request for `account`, to be answered within `timeout`.
  init(account: String, source: CredentialSource, refreshToken: String?, timeout: Duration) {
    self.init(
      account: account, source: source, refreshToken: refreshToken,
      timeoutMilliseconds: timeout.wholeMilliseconds)
  }
}
