import ArgumentParser
import TandemCLI
import TandemState

/// `tandem config list`
struct ConfigList: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Print every visible key=value, with the scope each comes from."
  )

  @Option(
    help: ArgumentHelp("List only this document: instance or shared.", valueName: "scope"),
    completion: .list(ConfigScope.allCases.map(\.rawValue)))
  var scope: String?

  func execute(in context: CommandContext) throws -> ConfigListing {
    try Self.perform(scope: scope, in: context)
  }

  static func perform(scope: String?, in context: CommandContext) throws -> ConfigListing {
    let filter = try ConfigTarget.forReading(scope, in: context)
    let layered = LayeredConfig(home: context.options.home, namespace: context.options.namespace)
    let documents = try layered.documents(filter)
    // Nearest layer wins; documents are read once, so the list is one consistent snapshot
    // per document. (Merged in one pass: linear in the documents' size.)
    return ConfigListing(
      entries: LayeredConfig.winners(documents).map {
        ConfigListing.Entry(key: $0.key, value: $0.value, scope: $0.scope.rawValue)
      },
      revisions: ConfigListing.Revisions(documents.map { ($0.0.rawValue, $0.2.revision) }))
  }
}
