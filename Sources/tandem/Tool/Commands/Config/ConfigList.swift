import ArgumentParser
import TandemCLI
import TandemState

/// `tandem config list`
struct ConfigList: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Print every visible key=value, with the scope each comes from.",
    discussion: """
      At a terminal, a table of KEY, VALUE and SCOPE under a header. In a pipe or a file, one \
      key=value line per key, as scripts read it; --show-scope puts the scope first, \
      SCOPE<TAB>key=value, as git config --list --show-scope does. Values are escaped in text \
      (a newline is \\n), so that one key is one line. \
      Keys are listed in order. In JSON output a page holds at most \(PageRequest.defaultLimit) \
      keys unless --limit says otherwise; when more remain, meta.truncated is true and \
      meta.cursor is what --cursor takes for the next page. Text output lists every key \
      unless --limit is given (the cursor of the next page is then on standard error). Each \
      page continues after the last key of the one before, so paging while others write never \
      repeats or skips a key that exists throughout. JSON gives each key's written_by (the \
      instance id of its last writer, null for a writer without one) and written_at (null \
      when the document does not say).
      """
  )

  @Option(
    help: ArgumentHelp("List only this document: instance or shared.", valueName: "scope"),
    completion: .list(ConfigScope.allCases.map(\.rawValue)))
  var scope: String?

  @Option(
    help: ArgumentHelp(
      "At most this many keys; 0 for all. Default: \(PageRequest.defaultLimit) in JSON output, all in text.",
      valueName: "n"))
  var limit: Int?

  @Option(help: ArgumentHelp("Continue after the page that gave this meta.cursor.", valueName: "cursor"))
  var cursor: String?

  @Flag(
    name: .customLong("show-scope"),
    help: "In a pipe too, say the scope of each key: SCOPE<TAB>key=value lines.")
  var showScope = false

  func execute(in context: CommandContext) throws -> ConfigListing {
    var listing = try Self.perform(scope: scope, limit: limit, cursor: cursor, in: context)
    listing.showScope = showScope
    return listing
  }

  /// The name of this list in its cursors.
  static let listName = "config list"

  static func perform(scope: String?, limit: Int?, cursor: String?, in context: CommandContext) throws
    -> ConfigListing
  {
    let page = try PageRequest(limit: limit, cursor: cursor, list: listName, in: context)
    let filter = try ConfigTarget.forReading(scope, in: context)
    let layered = try context.layeredConfig()
    let documents = try layered.documents(filter)
    // Nearest layer wins; documents are read once, so each page is one consistent snapshot
    // per document. (Merged in one pass over the page: a binary search per document for
    // where it starts, then linear in the page's size.)
    let listed = LayeredConfig.page(of: documents, after: page.after, limit: page.limit)
    page.finish(hasMore: listed.hasMore, last: listed.entries.last?.key, in: context)
    return ConfigListing(
      entries: listed.entries,
      revisions: ConfigListing.Revisions(documents.map { ($0.0.rawValue, $0.2.revision) }),
      terminal: context.standardOutputIsTerminal)
  }
}
