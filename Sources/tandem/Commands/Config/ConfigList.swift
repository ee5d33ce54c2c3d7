import ArgumentParser
import TandemCLI
import TandemState

/// `tandem config list`
struct ConfigList: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Print every visible key=value, with the scope each comes from."
  )


  @Option(help: ArgumentHelp("List only this document: instance or shared.", valueName: "scope"))
  var scope: String?

  func execute(in context: CommandContext) throws -> CommandOutput {
    try Self.perform(scope: scope, in: context)
  }

  static func perform(scope: String?, in context: CommandContext) throws -> CommandOutput {
    let filter = try ConfigTarget.forReading(scope, in: context)
    let layered = LayeredConfig(home: context.options.home, namespace: context.options.namespace)
    let documents = try layered.documents(filter)
    // Nearest layer wins; documents are read once, so the list is one consistent snapshot
    // per document. (Merged in one pass: linear in the documents' size.)
    let winners = LayeredConfig.winners(documents)
    let entries: [JSONValue] = winners.map { entry in
      .object([
        ("key", .string(entry.key)), ("value", .string(entry.value)),
        ("scope", .string(entry.scope.rawValue)),
      ])
    }
    let revisions: [(String, JSONValue)] = documents.map { ($0.0.rawValue, .integer(Int64($0.2.revision))) }
    let data: JSONValue = .object([("entries", .array(entries)), ("revisions", .object(revisions))])
    // One line per key whatever the value holds: newlines and escape bytes are escaped.
    let lines = winners.map { "\(TextEscaping.escape($0.key))=\(TextEscaping.escape($0.value))" }
    return CommandOutput(data: data, text: lines.joined(separator: "\n"))
  }
}
