import ArgumentParser
import TandemCLI
import TandemState

/// `tandem config list`
struct ConfigList: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Print every visible key=value, with the scope each comes from."
  )

  @OptionGroup(title: "Global options") var globals: GlobalOptionsHelp

  @Option(help: ArgumentHelp("List only this document: instance or shared.", valueName: "scope"))
  var scope: String?

  func execute(in context: CommandContext) throws -> CommandOutput {
    try Self.perform(scope: scope, in: context)
  }

  static func perform(scope: String?, in context: CommandContext) throws -> CommandOutput {
    let filter = try ConfigTarget.forReading(scope, in: context)
    let layered = LayeredConfig(home: context.options.home, namespace: context.options.namespace)
    let documents = try ConfigTarget.withRepairHint(context, layered: layered) {
      try layered.documents(filter)
    }
    // Nearest layer wins; documents are read once, so the list is one consistent snapshot
    // per document.
    var winners: [String: (String, ConfigScope)] = [:]
    for (scope, _, document) in documents.reversed() {
      for (key, value) in document.values { winners[key] = (value, scope) }
    }
    let keys = winners.keys.sorted()
    let entries: [JSONValue] = keys.map { key in
      .object([
        ("key", .string(key)), ("value", .string(winners[key]!.0)),
        ("scope", .string(winners[key]!.1.rawValue)),
      ])
    }
    let revisions: [(String, JSONValue)] = documents.map { ($0.0.rawValue, .integer(Int64($0.2.revision))) }
    let data: JSONValue = .object([("entries", .array(entries)), ("revisions", .object(revisions))])
    // One line per key whatever the value holds: newlines and escape bytes are escaped.
    let lines = keys.map { "\(TextEscaping.escape($0))=\(TextEscaping.escape(winners[$0]!.0))" }
    return CommandOutput(data: data, text: lines.joined(separator: "\n"))
  }
}
