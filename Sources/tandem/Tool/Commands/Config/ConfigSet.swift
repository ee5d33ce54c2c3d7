import ArgumentParser
import TandemCLI
import TandemState

/// `tandem config set KEY=VALUE ...`
struct ConfigSet: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "set",
    abstract: "Set keys in one locked transaction; the revision rises by 1.",
    discussion: """
      With --if-revision N the change applies only if the document is still at revision N; \
      otherwise it exits 6 (CONCURRENT_MODIFICATION, reason revision_mismatch) with the \
      current revision, and nothing is written.
      """
  )

  @Argument(help: ArgumentHelp("Assignments, split at the first '='.", valueName: "key=value"))
  var assignments: [String]

  @Option(
    name: .customLong("if-revision"),
    help: ArgumentHelp("Apply only if the document is at this revision.", valueName: "n"))
  var ifRevision: UInt64?

  @Option(
    help: ArgumentHelp("Document to write: instance or shared.", valueName: "scope"),
    completion: .list(ConfigScope.allCases.map(\.rawValue)))
  var scope: String?

  func execute(in context: CommandContext) throws -> CommandOutput {
    try Self.perform(assignments: assignments, ifRevision: ifRevision, scope: scope, in: context)
  }

  static func perform(assignments: [String], ifRevision: UInt64?, scope: String?, in context: CommandContext)
    throws
    -> CommandOutput
  {
    let pairs = try Self.parseAssignments(assignments)
    let target = try ConfigTarget.forWriting(scope, in: context)
    return try target.write(keys: pairs.map(\.key), ifRevision: ifRevision, verb: "set", in: context) {
      document in
      document.set(pairs)
    }
  }

  /// Splits and validates `KEY=VALUE` arguments before anything is locked or written.
  static func parseAssignments(_ arguments: [String]) throws -> [(key: String, value: String)] {
    guard !arguments.isEmpty else { throw CommandFailure.usage("nothing to set: give KEY=VALUE") }
    var pairs: [(key: String, value: String)] = []
    // Repeats are found by scanning the few pairs of a usual call, and with a set past that
    // so that thousands of pairs stay linear.
    let scanLimit = 16
    var given = Set<String>()
    for argument in arguments {
      guard let equals = argument.firstIndex(of: "=") else {
        throw CommandFailure.usage("\"\(argument)\" is not KEY=VALUE")
      }
      let key = String(argument[..<equals])
      let value = String(argument[argument.index(after: equals)...])
      try ConfigKey.validate(key)
      try ConfigKey.validateValue(value, for: key)
      if pairs.count == scanLimit { given = Set(pairs.map(\.key)) }
      let repeated =
        pairs.count < scanLimit ? pairs.contains(where: { $0.key == key }) : !given.insert(key).inserted
      guard !repeated else {
        throw CommandFailure.usage("\(key) is given more than once")
      }
      pairs.append((key, value))
    }
    return pairs
  }
}

/// What a write answers, shared by `config set` and `config unset`.
///
/// Its JSON is built by hand rather than encoded from an `Encodable` value: `config set` is
/// the hottest write, and the encoder's first use costs it about 300,000 instructions (40%
/// of the call) in runtime conformance lookups (docs/benchmarks.md). `config unset` answers
/// in the same shape, so it shares this.
struct ConfigWriteReport {
  let target: ConfigTarget
  let update: ConfigUpdate<Void>
  let keys: [String]
  /// What the text says was done: `set` or `unset`.
  let verb: String
  /// The document's absolute path.
  let path: String
  /// What was done, for the commands that report it (`unset`); with `dry_run: false`.
  var effect: JSONValue? = nil

  var output: CommandOutput {
    let document = update.document
    // One array literal: `config set` pays for every append on its hot route.
    var members: [(String, JSONValue)] = [
      ("scope", .string(target.scope.rawValue)),
      ("instance_id", .optional(target.store.namespace.instanceID?.rawValue)),
      ("keys", .array(keys.map(JSONValue.string))),
      ("changed", .bool(update.changed)),
      ("revision", .integer(Int64(document.revision))),
      ("previous_revision", .integer(Int64(update.previousRevision))),
      ("write_scope", .string(target.scope.rawValue)),
      ("path", .string(path)),
      ("waited_ms", .integer(Int64(update.waited / .milliseconds(1)))),
    ]
    if let effect { members += [("dry_run", .bool(false)), ("effect", effect)] }
    let data: JSONValue = .object(members)
    return CommandOutput(
      data: data,
      text:
        "\(verb) \(keys.joined(with: ", ")) (\(target.scope.rawValue), revision \(document.revision))")
  }
}
