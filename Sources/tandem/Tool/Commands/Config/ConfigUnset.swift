import ArgumentParser
import TandemCLI
import TandemState

/// `tandem config unset KEY ...`
struct ConfigUnset: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "unset",
    abstract: "Remove keys in one locked transaction. Exit 5, changing nothing, if one is missing.",
    discussion: """
      With --dry-run nothing is locked or written: the answer's effect says which document \
      would change, that every key is there, and the revision before and after, and the same \
      errors come as from the real command.
      """
  )

  @Argument(help: "The keys.") var keys: [String]

  @Option(
    name: .customLong("if-revision"),
    help: ArgumentHelp("Apply only if the document is at this revision.", valueName: "n"))
  var ifRevision: UInt64?

  @Option(
    help: ArgumentHelp("Document to write: instance or shared.", valueName: "scope"),
    completion: .list(ConfigScope.allCases.map(\.rawValue)))
  var scope: String?

  @Flag(name: .customLong("dry-run"), help: "Report what would be removed; change nothing.")
  var dryRun = false

  func execute(in context: CommandContext) throws -> CommandOutput {
    try Self.perform(keys: keys, ifRevision: ifRevision, scope: scope, dryRun: dryRun, in: context)
  }

  static func perform(
    keys: [String], ifRevision: UInt64?, scope: String?, dryRun: Bool = false, in context: CommandContext
  ) throws -> CommandOutput {
    guard !keys.isEmpty else { throw CommandFailure.usage("nothing to unset: give KEY") }
    let target = try ConfigTarget.forWriting(scope, in: context)
    try validate(keys, target: target)
    if dryRun { return try preview(keys: keys, ifRevision: ifRevision, target: target, in: context) }
    return try target.write(
      keys: keys, ifRevision: ifRevision, verb: "unset", in: context,
      effect: { path, before, after in effect(keys: keys, path: path, before: before, after: after) }
    ) { document in
      try checkPresent(keys, in: document, target: target, context: context)
      document.remove(keys)
    }
  }

  /// `--dry-run`: the checks of the real command against the document as it is, with no
  /// lock taken and nothing created.
  private static func preview(
    keys: [String], ifRevision: UInt64?, target: ConfigTarget, in context: CommandContext
  )
    throws -> CommandOutput
  {
    let preview = try target.store.previewUpdate(ifRevision: ifRevision)
    try checkPresent(keys, in: preview.document, target: target, context: context)
    let path = target.path
    target.warnIfSharedByDefault(dryRun: true, path: path, in: context)
    let before = preview.document.revision
    let data: JSONValue = .object([
      ("scope", .string(target.scope.rawValue)),
      ("instance_id", .optional(target.store.namespace.instanceID?.rawValue)),
      ("keys", .array(keys.map(JSONValue.string))),
      ("write_scope", .string(target.scope.rawValue)),
      ("path", .string(path)),
      ("dry_run", .bool(true)),
      ("effect", effect(keys: keys, path: path, before: before, after: preview.nextRevision)),
    ])
    return CommandOutput(
      data: data,
      text: "would unset \(keys.joined(with: ", ")) in the \(target.scope.rawValue) document "
        + "\(TextEscaping.escape(path)) (revision \(before) would become \(preview.nextRevision)); "
        + "nothing was changed")
  }

  /// Refuses a key that is not a valid key name, before anything is locked, unless the
  /// document holds it: reads accept a key written there by hand (only new keys are
  /// checked), and unsetting it is how it goes away; `config repair` leaves a document that
  /// decodes alone.
  private static func validate(_ keys: [String], target: ConfigTarget) throws {
    var stored: ConfigDocument?
    for key in keys {
      do {
        try ConfigKey.validate(key)
      } catch {
        // Read without a lock, once: only to tell a stored key from a mistyped one (a
        // document that cannot be read holds none, and the key's own error comes first).
        if stored == nil { stored = (try? target.store.read()) ?? ConfigDocument() }
        guard stored?[key] != nil else { throw error }
      }
    }
  }

  /// Refuses the whole change when a key is missing, as both the write and the dry run do.
  private static func checkPresent(
    _ keys: [String], in document: ConfigDocument, target: ConfigTarget, context: CommandContext
  ) throws {
    guard let missing = keys.first(where: { document[$0] == nil }) else { return }
    var failure = CommandFailure(
      code: "NOT_FOUND", exitCode: .notFound,
      message: "\(missing) is not set in the \(target.scope.rawValue) document; nothing was removed")
    failure.fixCommand = context.commandLine("config", "list", "--scope", target.scope.rawValue)
    throw failure
  }

  /// The `effect` of an unset, done or planned: the document, each key with its presence
  /// (every key is present, or nothing happens), and the revision before and after.
  static func effect(keys: [String], path: String, before: UInt64, after: UInt64) -> JSONValue {
    .object([
      ("document", .string(path)),
      ("keys", .array(keys.map { .object([("key", .string($0)), ("present", .bool(true))]) })),
      ("revision_before", .integer(Int64(clamping: before))),
      ("revision_after", .integer(Int64(clamping: after))),
    ])
  }
}
