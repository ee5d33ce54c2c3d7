package import ArgumentParser
package import TandemCLI
package import TandemState

/// The reference tool: shared state for agents that run in parallel, built only on the
/// public API of TandemState and TandemCLI. Its executables, `tandem` and `tandem-postgres`,
/// run it with the stores each serves.
package struct Tandem: TandemTool {
  package init() {}

  package static let configuration = CommandConfiguration(
    commandName: "tandem",
    abstract: "Agent-safe configuration and locks for command-line tools.",
    discussion: """
      Every write is serialized by a kernel lock with a timeout and lands by atomic rename. \
      A write that cannot proceed exits 6 (CONCURRENT_MODIFICATION) with retry_after_ms; \
      nothing is ever silently overwritten. Global options, before or after the subcommand: \
      --home DIR (TANDEM_HOME, default ~/.tandem), --instance-id ID (TANDEM_INSTANCE_ID), \
      --lock-timeout D (TANDEM_LOCK_TIMEOUT, default 5s), -o/--output text|json (TANDEM_OUTPUT), \
      --store URL (TANDEM_STORE, default the home's files; postgresql://USER@HOST:PORT/DB keeps config \
      and locks in PostgreSQL, for agents on several hosts). \
      Exit codes follow the CLI Agent Spec; 6 is a conflict with retry_after_ms. Start with \
      `tandem demo`.
      """,
    version: "0.1.0",
    subcommands: [
      ConfigCommand.self, LockCommand.self, RunCommand.self, EnvCommand.self, InstancesCommand.self,
      AuthCommand.self,
      DemoCommand.self,
    ]
  )

  /// `~/.tandem` and `TANDEM_*`.
  package static let identity = ToolIdentity(
    name: "tandem", environmentPrefix: "TANDEM", home: .dotDirectory)

  package static var fastRoutes: [FastRoute] { FastRoutes.all }

  /// The schemes of the PostgreSQL store's URLs (`--store postgresql://...`).
  package static let postgresSchemes = ["postgresql", "postgres"]

  /// The PostgreSQL store as `tandem` serves it: by handing the command line to
  /// `tandem-postgres`, installed beside it, which links the database client that `tandem`
  /// leaves out for the sake of its start-up.
  package static let postgresExecutable = StoreExecutable(
    schemes: postgresSchemes, fileName: "tandem-postgres",
    installation: "scripts/install installs tandem and tandem-postgres together")

  /// What the commands that keep their state in the home's files only say to a caller who
  /// gave a store URL.
  static let fileStoreOnly = "a --store URL serves the config, lock and auth commands"

  /// tandem's own commands for what fixes an error.
  package static func advice(for remedy: Remedy, in context: CommandContext) -> RemedyAdvice? {
    switch remedy {
    case .rereadDocument(let namespace, let revision):
      // The re-read the caller must do first: this document's values and revision
      // (`revisions` in JSON), read-only.
      return RemedyAdvice(
        text:
          "read the document again (it is at revision \(revision)), reapply your change, and retry with "
          + "--if-revision \(revision)",
        command: ["config", "list", "--scope", scope(of: namespace)])
    case .repairDocument(let namespace, let fileName) where fileName == ConfigStore.fileName:
      return RemedyAdvice(command: ["config", "repair", "--scope", scope(of: namespace)])
    case .repairDocument:
      return nil
    case .logIn(let account):
      // The stored settings, when the account is stored: the login that restores it.
      let source = AuthMethods.storedSource(of: account, context: context)
      let methods = AuthMethods.all(account: account, source: source, context: context)
      return RemedyAdvice(
        text: source == nil
          ? "log in to account \(account): \(methods[0].command) (or with \(AuthMethods.helperHint))"
          : "log in to account \(account) again: \(methods[0].command)",
        reauthCommand: methods[0].command, authMethods: methods)
    case .logInFirst:
      let methods = AuthMethods.all(account: nil, source: nil, context: context)
      return RemedyAdvice(
        text: "log in first: \(methods[0].command) (or with \(AuthMethods.helperHint))",
        reauthCommand: methods[0].command, authMethods: methods)
    case .chooseAccount:
      // Several accounts are stored: choosing one is the fix; a login is the other way in.
      let methods = AuthMethods.all(account: nil, source: nil, context: context)
      return RemedyAdvice(
        text:
          "pass --account NAME, or choose the active account: "
          + "\(context.commandLine("auth", "switch", "--account", "NAME")) (\(context.commandLine("auth", "list")) "
          + "lists the stored accounts)",
        reauthCommand: methods[0].command, authMethods: methods)
    case .askForShorterValidity:
      return RemedyAdvice(text: "ask for less validity (--min-ttl) than the tokens the provider issues last")
    case .raiseLockTimeout, .chooseWritableHome, .nameHome, .setEnvironmentVariable:
      return nil
    }
  }

  private static func scope(of namespace: Namespace) -> String {
    namespace == .shared ? "shared" : "instance"
  }
}
