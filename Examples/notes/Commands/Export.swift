import ArgumentParser
import TandemCLI
import TandemState

/// `notes export --output FILE`: writes the notes the caller sees to a file, one export at
/// a time across all agents. An asynchronous command: it reads the notebooks concurrently,
/// and waits without blocking a thread while it holds the export lock (`--hold`).
struct Export: AsyncTandemCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write the notes to a file, holding the export lock.",
    discussion: """
      Exports are serialized by the named lock "export": a second export waits for the \
      first (up to the lock timeout) and otherwise exits 6 (CONCURRENT_MODIFICATION) with \
      retry_after_ms. The file is replaced whole.
      """
  )

  @Option(help: ArgumentHelp("The file to write.", valueName: "file"))
  var output: String

  @Option(help: ArgumentHelp("Keep the export lock this long after writing, e.g. 2s.", valueName: "duration"))
  var hold: String?

  /// What `export` reports.
  struct Exported: CommandResult {
    var file: String
    var notes: Int
    /// The revision of each notebook exported.
    var revisions: Revisions
    var waitedMs: Int64
    var heldMs: Int64

    var text: String? { "exported \(notes) note\(notes == 1 ? "" : "s") to \(TextEscaping.escape(file))" }
  }

  func execute(in context: CommandContext) async throws -> Exported {
    let hold = try hold.map { try LockTimeout.milliseconds(parsing: $0, what: "hold", option: "--hold") } ?? 0
    let notebooks = try Notebook.visible(nil, in: context)
    let clock = ContinuousClock()
    // One export at a time, for all instances: the named lock `locks/export.lock` of the
    // home. The task suspends while it waits; a cancelled wait ends at once.
    let lock = try await NamedLock(home: context.options.home, name: "export").acquire(
      timeout: context.options.lockTimeout, intent: context.intent(output))
    defer { lock.release() }
    let start = clock.now

    // The notebooks are independent documents: read them side by side.
    let documents = try await withThrowingTaskGroup(of: (Int, ConfigDocument).self) { group in
      for (index, notebook) in notebooks.enumerated() {
        group.addTask { (index, try notebook.store.read()) }
      }
      return try await group.reduce(into: [Int: ConfigDocument]()) { $0[$1.0] = $1.1 }
    }
    var export = MarkdownExport()
    for (index, notebook) in notebooks.enumerated() {
      export.append(notebook, documents[index] ?? ConfigDocument())
    }
    try ExportFile.write(export.text, to: output)

    // Other exports keep waiting meanwhile; the task sleeps, no thread is held.
    if hold > 0 { try await Task.sleep(for: .milliseconds(hold)) }
    return Exported(
      file: output, notes: export.count, revisions: export.revisions, waitedMs: lock.waitedMilliseconds,
      heldMs: Self.milliseconds(clock.now - start))
  }

  private static func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
  }
}
