import ArgumentParser
import TandemCLI
import TandemState

/// `tandem instances`: the per-agent namespaces.
struct InstancesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "instances",
    abstract: "List or remove instance namespaces.",
    subcommands: [InstancesList.self, InstancesRemove.self]
  )
}

/// `tandem instances list`
struct InstancesList: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List instances with what they hold and their last write.",
    discussion: """
      Each instance with what its namespace holds (config: its own config document; account: \
      its own active account, auth.json) and the last write of either; never written when it \
      holds neither. At a terminal, a table under a header; in a pipe or a file, one \
      tab-separated line per instance: ID, LAST WRITE, PATH, HOLDS. \
      Instances are listed by id. In JSON output a page holds at most \(PageRequest.defaultLimit) \
      instances unless --limit says otherwise; when more remain, meta.truncated is true and \
      meta.cursor is what --cursor takes for the next page. Text output lists every instance \
      unless --limit is given.
      """)

  @Option(
    help: ArgumentHelp(
      "At most this many instances; 0 for all. Default: \(PageRequest.defaultLimit) in JSON output, all in text.",
      valueName: "n"))
  var limit: Int?

  @Option(help: ArgumentHelp("Continue after the page that gave this meta.cursor.", valueName: "cursor"))
  var cursor: String?

  func execute(in context: CommandContext) throws -> InstanceListing {
    try context.requireFileStore(Tandem.fileStoreOnly)
    let page = try PageRequest(limit: limit, cursor: cursor, list: "instances list", in: context)
    let listed = try InstanceRegistry(home: context.options.home).list(after: page.after, limit: page.limit)
    page.finish(hasMore: listed.hasMore, last: listed.instances.last?.id, in: context)
    return InstanceListing(
      instances: listed.instances.map(InstanceListing.Instance.init),
      terminal: context.standardOutputIsTerminal)
  }
}

/// `tandem instances remove ID`
struct InstancesRemove: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "remove",
    abstract: "Remove an instance's namespace, waiting for its writers (same lock discipline).",
    discussion: """
      Everything in instances/ID/ goes: its documents, their lock files, the tools' namespaces \
      of run --isolate (symbolic links are removed, never followed). The documents' last \
      revisions are recorded in instances/.retired/ID.json. With --dry-run nothing is locked, \
      removed or recorded: the answer's effect lists what would be. With --ignore-not-found an \
      instance that is not there exits 0 with removed: false and found: false (an invalid id \
      still exits 2), so that a clean-up can run twice.
      """
  )

  @Argument(help: "The instance id.", completion: .instanceIDs(of: Tandem.identity)) var id: String

  @Flag(name: .customLong("dry-run"), help: "Report what would be removed; change nothing.")
  var dryRun = false

  @Flag(
    name: .customLong("ignore-not-found"), help: "Succeed (removed: false) when there is no such instance.")
  var ignoreNotFound = false

  func execute(in context: CommandContext) throws -> CommandOutput {
    try context.requireFileStore(Tandem.fileStoreOnly)
    let instance = try InstanceID(id)
    let registry = InstanceRegistry(home: context.options.home)
    // A dry run takes no lock, so an invalid lock timeout does not stand in its way.
    let timeout = dryRun ? nil : try context.options.lockTimeout
    let removal: NamespaceRemoval
    do {
      if let timeout {
        removal = try registry.remove(instance, timeout: timeout, intent: context.intent(id))
      } else {
        removal = try registry.plannedRemoval(instance)
      }
    } catch {
      if error.code == .notFound && ignoreNotFound {
        return InstanceRemovalReport.absent(instance, home: context.options.home, dryRun: dryRun)
      }
      var failure = error
      if failure.code == .notFound { failure.fixCommand = context.commandLine("instances", "list") }
      throw failure
    }
    return InstanceRemovalReport(removal: removal, dryRun: dryRun).output
  }
}
