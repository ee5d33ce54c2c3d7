import ArgumentParser

/// `tandem auth`: one shared token cache per account, refreshed once across all processes.
struct AuthCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "auth",
    abstract: "Credentials without the 401 cascade: single-flight token refresh across processes.",
    discussion: """
      Token sets are kept once per account under credentials/ in the home and shared by every \
      instance; an instance only chooses its active account (auth switch). However many \
      processes need a new token at once, the provider sees one refresh.
      """,
    subcommands: [
      AuthLogin.self, AuthToken.self, AuthRefresh.self, AuthSwitch.self, AuthStatus.self, AuthList.self,
      AuthLogout.self,
    ]
  )
}
