import ArgumentParser
import TandemCLI
import TandemState

/// `tandem config unset KEY ...`
struct ConfigUnset: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "unset",
    abstract: "Remove keys in one locked transaction. Exit 5, changing nothing, if one is missing."
  )

  @Argument(help: "The keys.") var keys: [String]

  @Option(name: .customLong("if-revision"), help: "Apply only if the document is at this revision.")
  var ifRevision: UInt64?

  @Option(help: ArgumentHelp("Document to write: instance or shared.", valueName: "scope"))
  var scope: String?

  func execute(in context: CommandContext) throws -> CommandOutput {
    try Self.perform(keys: keys, ifRevision: ifRevision, scope: scope, in: context)
  }

  static func perform(keys: [String], ifRevision: UInt64?, scope: String?, in context: CommandContext) throws
    -> CommandOutput
  {
    guard !keys.isEmpty else { throw CommandFailure.usage("nothing to unset: give KEY") }
    for key in keys { try ConfigKey.validate(key) }
    let target = try ConfigTarget.forWriting(scope, in: context)
    return try target.write(keys: keys, ifRevision: ifRevision, verb: "unset", in: context) { document in
      if let missing = keys.first(where: { document[$0] == nil }) {
        var failure = CommandFailure(
          code: "NOT_FOUND", exitCode: .notFound,
          message: "\(missing) is not set in the \(target.scope.rawValue) document; nothing was removed")
        failure.fixCommand = context.commandLine("config", "list", "--scope", target.scope.rawValue)
        throw failure
      }
      document.remove(keys)
    }
  }
}
