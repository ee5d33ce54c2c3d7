import TandemCLI

/// What `auth logout` answers: the account is gone for every instance, and the namespaces
/// that had it as their active account no longer do.
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

  let account: String
  let removed = true
  /// Token sets are shared by every instance, so a logout removes the account for all.
  let scope = "all_instances"
  let clearedActive: [Cleared]

  var text: String? {
    var text = "logged out \(account) for every instance (its tokens are shared)"
    if !clearedActive.isEmpty {
      text +=
        "; it is no longer the active account of "
        + clearedActive.map { $0.instanceID.map { "instance \($0)" } ?? "the shared default" }
        .joined(separator: ", ")
    }
    return text
  }
}
