import ArgumentParser
import TandemCLI
import TandemState

/// `tandem auth switch`
struct AuthSwitch: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "switch",
    abstract: "Choose the active account: this instance's only (with --instance-id), else the shared default."
  )

  @Option(help: "The account.") var account: String

  func execute(in context: CommandContext) throws -> AccountChoice {
    try InstanceID.validateName(account, kind: "account name")
    _ = try AuthSupport.credentials(in: context).record(account)
    let active = try AuthSupport.activeAccount(in: context)
    try active.switchTo(account, timeout: context.options.lockTimeout, intent: context.intent(account))
    let scope = context.options.instanceID == nil ? "shared" : "instance"
    return AccountChoice(
      account: account, scope: scope, instanceID: context.options.instanceID?.rawValue, writeScope: scope,
      path: active.path)
  }
}

/// What `auth switch` answers: the account now active, and for which namespace.
struct AccountChoice: CommandResult {
  let account: String
  /// `instance` when the choice is the instance's own, else `shared`.
  let scope: String
  /// The instance that chose; `null` for the shared default.
  let instanceID: String?
  /// Where the write went: `instance` or `shared`, as `scope`.
  let writeScope: String
  /// The file written: the namespace's `auth.json`.
  let path: String

  var text: String? { "active account: \(account) (\(scope))" }
}

/// `tandem auth status`
struct AuthStatus: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Show the active account and its token's state (no secrets).")

  @Option(help: "The account (default: the active one).") var account: String?

  func execute(in context: CommandContext) throws -> AccountStatus {
    let (name, origin) = try AuthSupport.account(account, in: context)
    let record = try AuthSupport.credentials(in: context).record(name)
    return AccountStatus(summary: AccountSummary(record), origin: origin.rawValue)
  }
}

/// `tandem auth list`
struct AuthList: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List stored accounts (no secrets).")

  func execute(in context: CommandContext) throws -> AccountList {
    let records = try AuthSupport.credentials(in: context).records()
    let active = try? AuthSupport.activeAccount(in: context).resolve(explicit: nil).name
    return AccountList(
      accounts: records.map { AccountList.Account(summary: AccountSummary($0), active: $0.name == active) },
      terminal: context.standardOutputIsTerminal)
  }
}

/// `tandem auth logout`
struct AuthLogout: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "logout",
    abstract: "Remove an account's stored tokens (default: the active account), for every instance.",
    discussion: """
      Token sets are shared by all instances, so logging out removes the account for every \
      instance, also when --instance-id is given (the output says so). Every namespace whose \
      active account it was (the shared default, instances' own choices) is cleared, so that none \
      points at an account that is gone. To stop using an account in one instance only, use \
      auth switch there instead. With --dry-run it reports the same effect (the file it would \
      delete, the namespaces whose active account it would clear) and changes nothing.
      """)

  @Option(help: "The account (default: the active one).") var account: String?

  @Flag(name: .customLong("dry-run"), help: "Report what would be removed and cleared; change nothing.")
  var dryRun = false

  func execute(in context: CommandContext) throws -> LogoutReport {
    let name = try AuthSupport.account(account, in: context).name
    let store = try AuthSupport.credentials(in: context)
    let active = try AuthSupport.activeAccount(in: context)
    if dryRun {
      // The checks a logout makes, read without locks; nothing is written, not even a lock file.
      _ = try store.record(name)
      let clearing = try active.namespaces(choosing: name)
      warnIfInstance(name, done: false, in: context)
      return LogoutReport(
        account: name, path: store.path(of: name), dryRun: true, clearing: clearing.map(active.choice(of:)))
    }
    try store.logout(account: name, timeout: context.options.lockTimeout, intent: context.intent(name))
    warnIfInstance(name, done: true, in: context)
    // The account is gone; no namespace may keep it as its active account.
    var cleared: [Namespace] = []
    do {
      cleared = try active.forget(name, timeout: context.options.lockTimeout, intent: context.intent(name))
    } catch {
      context.warn(
        "the account was removed, but clearing it as the active account failed: \(error); "
          + "run auth switch --account OTHER where it was active")
    }
    return LogoutReport(
      account: name, path: store.path(of: name), dryRun: false,
      clearing: cleared.map(active.choice(of:)))
  }

  /// With an instance id: the account is not the instance's own, and goes for all of them.
  private func warnIfInstance(_ name: String, done: Bool, in context: CommandContext) {
    guard let id = context.options.instanceID else { return }
    context.warn(
      "account \(name) is shared by every instance: logging out in instance \(id.rawValue) "
        + (done ? "removed" : "would remove") + " it for all instances (to stop using it in one instance "
        + "only, run auth switch there instead)")
  }
}
