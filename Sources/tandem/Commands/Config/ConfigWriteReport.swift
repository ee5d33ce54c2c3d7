import TandemCLI
import TandemState

/// What a write answers, shared by `config set` and `config unset`.
struct ConfigWriteReport: CommandResult {
  /// The document written: `instance` or `shared`.
  let scope: String
  /// The instance whose document it is; `null` for the shared document.
  let instanceID: String?
  let keys: [String]
  /// Whether the values differ from the previous revision's.
  let changed: Bool
  let revision: UInt64
  let previousRevision: UInt64
  let path: String
  /// How long the write waited for the lock.
  let waitedMs: Int64
  /// What the text says was done: `set` or `unset`.
  let verb: String

  // `verb` is only for the text.
  private enum CodingKeys: CodingKey {
    case scope, instanceID, keys, changed, revision, previousRevision, path, waitedMs
  }

  init(target: ConfigTarget, update: ConfigUpdate<Void>, keys: [String], verb: String) {
    scope = target.scope.rawValue
    instanceID = target.store.namespace.instanceID?.rawValue
    self.keys = keys
    changed = update.changed
    revision = update.document.revision
    previousRevision = update.previousRevision
    path = target.store.path
    waitedMs = update.waitedMilliseconds
    self.verb = verb
  }

  var text: String? { "\(verb) \(keys.joined(with: ", ")) (\(scope), revision \(revision))" }
}
