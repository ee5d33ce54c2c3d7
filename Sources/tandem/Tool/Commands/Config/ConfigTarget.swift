import TandemCLI
import TandemState

/// Which document a config command reads or writes, from `--scope` and the instance id.
struct ConfigTarget {
  let scope: ConfigScope
  /// The document, in the home's files or in the store given by `--store`.
  let store: any RevisionedDocumentStore
  /// Whether the document is in the home's files: its path is a file's.
  let isFile: Bool
  /// Whether the shared document was chosen by default: neither an instance id nor
  /// `--scope shared` was given, so the caller may have meant its own namespace.
  var sharedByDefault = false

  /// The document's path as writes report it: a file's made absolute, so that an agent
  /// knows which file whatever its working directory; another store's as it names it.
  var path: String { Self.reported(store.path, isFile: isFile) }

  /// `path` as writes report it (see ``path``).
  static func reported(_ path: String, isFile: Bool) -> String {
    isFile ? AbsolutePath.of(path) : path
  }

  /// The document writes go to: the instance's when an instance id is set, unless `--scope
  /// shared`; `--scope instance` needs an instance id.
  static func forWriting(_ scopeText: String?, in context: CommandContext) throws -> ConfigTarget {
    // The namespace first, so that a bad --scope is refused before any store is reached.
    let scope: ConfigScope
    var namespace = Namespace.shared
    switch try parseScope(scopeText) {
    case .shared?:
      scope = .shared
    case .instance?:
      guard let id = context.options.instanceID else { throw missingInstance(context) }
      scope = .instance
      namespace = .instance(id)
    case nil:
      scope = context.options.instanceID == nil ? .shared : .instance
      namespace = context.options.namespace
    }
    return ConfigTarget(
      scope: scope, store: try context.configStore(namespace), isFile: context.usesFileStore,
      sharedByDefault: scopeText == nil && context.options.instanceID == nil)
  }

  /// The scope filter of a read: `nil` reads all layers.
  static func forReading(_ scopeText: String?, in context: CommandContext) throws -> ConfigScope? {
    let scope = try parseScope(scopeText)
    if scope == .instance && context.options.instanceID == nil { throw missingInstance(context) }
    return scope
  }

  static func parseScope(_ text: String?) throws -> ConfigScope? {
    guard let text else { return nil }
    guard let scope = ConfigScope(rawValue: text) else {
      throw CommandFailure.usage("invalid scope \"\(text)\": use instance or shared")
    }
    return scope
  }

  private static func missingInstance(_ context: CommandContext) -> CommandFailure {
    CommandFailure.usage(
      "--scope instance needs an instance id: pass \(context.optionNames.flag(.instanceID)) ID or set "
        + context.optionNames.environmentVariable(.instanceID, tool: context.tool))
  }

  /// Warns when this write goes to the shared document by default in a home with instance
  /// namespaces (``SharedWriteWarning``). The home's instances tell: only the file store is
  /// checked.
  func warnIfSharedByDefault(dryRun: Bool, path: String? = nil, in context: CommandContext) {
    if sharedByDefault && isFile {
      SharedWriteWarning.check(path: path ?? self.path, dryRun: dryRun, in: context)
    }
  }

  /// One locked write of `keys` to this target, reported the same way by `set` and `unset`;
  /// `effect`, when given, describes what the write did (`unset`'s `effect`) from the
  /// document's path and its revisions before and after.
  func write(
    keys: [String], ifRevision: UInt64?, verb: String, in context: CommandContext,
    effect: ((_ path: String, _ before: UInt64, _ after: UInt64) -> JSONValue)? = nil,
    _ body: (inout ConfigDocument) throws -> Void
  ) throws -> CommandOutput {
    let update: ConfigUpdate<Void>
    do {
      update = try store.update(
        timeout: context.options.lockTimeout, ifRevision: ifRevision,
        intent: context.intent(keys.joined(with: " ")),
        body)
    } catch var error as StateError where error.code == .writeUnconfirmed {
      // The re-read the caller must do first: this document's values and revision
      // (`revisions` in JSON), read-only.
      error.fixCommand = context.commandLine("config", "list", "--scope", scope.rawValue)
      throw error
    }
    // The path is built once, for the answer and the warning.
    let path = self.path
    warnIfSharedByDefault(dryRun: false, path: path, in: context)
    // Given plain values, not the update: passing that generic value on costs `config set`
    // a copy through runtime metadata (4,000 instructions).
    let described = effect?(path, update.previousRevision, update.document.revision)
    return ConfigWriteReport(
      target: self, update: update, keys: keys, verb: verb, path: path, effect: described
    )
    .output
  }
}
