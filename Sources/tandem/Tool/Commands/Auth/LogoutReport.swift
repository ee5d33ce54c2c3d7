import TandemCLI
import TandemState

/// What `auth logout` answers: the account is gone for every instance, and the namespaces
/// that had it as their active account no longer do; with `--dry-run`, the same effect,
/// not carried out.
struct LogoutReport: CommandResult {
  /// A namespace whose active account the logout cleared.
  struct Cleared: Encodable {
    /// The instance; `null` for the shared default.
    let instanceID: String?

    private enum CodingKeys: CodingKey { case scope, instanceID }

    /// `scope` (`instance` or `shared`), then `instance_id`.
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(instanceID == nil ? "shared" : "instance", forKey: .scope)
      try container.encode(instanceID, forKey: .instanceID)
    }
  }

  /// What a logout does (`--dry-run`: would do), the same for both, so that a dry run can
  /// be compared with the logout that follows it.
  struct Effect: Encodable {
    /// A namespace's active-account choice that is cleared: it is this account.
    struct ActiveChoice: Encodable {
      let cleared: Cleared
      /// The namespace's `auth.json`, rewritten without the choice.
      let path: String

      private enum CodingKeys: CodingKey { case path }

      /// `scope`, `instance_id`, then `path`.
      func encode(to encoder: any Encoder) throws {
        try cleared.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
      }
    }

    /// The accounts removed: one, for every instance.
    let accounts: [String]
    /// The files deleted: the account's credentials file. Its lock file stays: it keeps the
    /// generation count for a later login.
    let deleteFiles: [String]
    /// Every namespace whose active account changes (from this account to none); the others
    /// keep theirs.
    let clearActiveAccount: [ActiveChoice]
  }

  let account: String
  /// Whether the account was removed (`false` on a dry run).
  let removed: Bool
  /// Whether nothing was changed, only reported.
  let dryRun: Bool
  /// Token sets are shared by every instance, so a logout removes the account for all.
  let scope = "all_instances"
  /// The namespaces whose active account was cleared (none on a dry run; see `effect`).
  let clearedActive: [Cleared]
  /// Credentials are shared by every instance: the write goes to shared state.
  let writeScope = "shared"
  /// The file the logout deletes: the account's credentials file.
  let path: String
  /// What was done, or on a dry run what would be.
  let effect: Effect

  /// The report of a logout of `account` from `path` that clears (or would clear, on a dry
  /// run) the choices in `clearing`.
  init(account: String, path: String, dryRun: Bool, clearing: [ActiveAccount]) {
    self.account = account
    self.path = path
    self.dryRun = dryRun
    removed = !dryRun
    let choices = clearing.map {
      Effect.ActiveChoice(cleared: Cleared(instanceID: $0.namespace.instanceID?.rawValue), path: $0.path)
    }
    clearedActive = dryRun ? [] : choices.map(\.cleared)
    effect = Effect(accounts: [account], deleteFiles: [path], clearActiveAccount: choices)
  }

  var text: String? {
    let cleared = effect.clearActiveAccount.map {
      $0.cleared.instanceID.map { "instance \($0)" } ?? "the shared default"
    }
    .joined(separator: ", ")
    if dryRun {
      var text =
        "dry run: would log out \(account) for every instance (its tokens are shared): would delete \(path)"
      text +=
        cleared.isEmpty
        ? "; no namespace has it as its active account"
        : "; would clear it as the active account of \(cleared)"
      return TextEscaping.escape(text) + "\nnothing was changed"
    }
    var text = "logged out \(account) for every instance (its tokens are shared)"
    if !cleared.isEmpty { text += "; it is no longer the active account of " + cleared }
    return TextEscaping.escape(text)
  }
}
