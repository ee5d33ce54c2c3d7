/// What a list command was asked for by `--limit N` and `--cursor C`: how many items, and
/// after which one.
///
/// An agent's context is small, so in JSON output a list is bounded even when no limit is
/// given: ``defaultLimit`` items, with `meta.truncated: true` and `meta.cursor` when more
/// remain. Text output, read by people and pipes, stays complete unless `--limit` is given.
/// `--limit 0` asks for everything in both.
///
/// ```swift
/// let page = try PageRequest(limit: limit, cursor: cursor, list: "items list", in: context)
/// let items = store.items(after: page.after, limit: page.limit)
/// page.finish(hasMore: items.hasMore, last: items.last?.id, in: context)
/// ```
public struct PageRequest: Sendable {
  /// The page size in JSON output when no `--limit` is given.
  public static let defaultLimit = 100

  /// At most this many items; `nil` for all of them.
  public let limit: Int?
  /// The position the page continues after (from `--cursor`); `nil` for the first page.
  public let after: String?
  /// The list's name in its cursors, e.g. `config list`.
  public let list: String

  /// Reads `--limit` and `--cursor` as given (`nil` when absent). A negative limit or a
  /// cursor that is not one of `list` is a usage error (`INVALID_ARGUMENT`, exit 2).
  public init(
    limit: Int?, cursor: String?, list: String, defaultLimit: Int = PageRequest.defaultLimit,
    in context: CommandContext
  ) throws(CommandFailure) {
    if let limit, limit < 0 {
      throw CommandFailure.usage("--limit \(limit) is negative: give a number of items, or 0 for all of them")
    }
    switch limit {
    case 0?: self.limit = nil
    case let limit?: self.limit = limit
    case nil: self.limit = context.options.output == .json ? defaultLimit : nil
    }
    if let cursor {
      guard let position = PageCursor.position(of: cursor, list: list) else {
        var failure = CommandFailure.usage(
          "the value of --cursor is not a cursor of \(list): pass the meta.cursor of the previous page "
            + "unchanged, or leave --cursor out to start from the beginning")
        failure.fixRequired = "pass --cursor exactly as the previous page's meta.cursor gave it"
        failure.fixCommand = context.commandLine(list.split(separator: " ").map(String.init))
        throw failure
      }
      after = position
    } else {
      after = nil
    }
    self.list = list
  }

  /// Reports where the list continues when the page is not its end: in JSON output
  /// `meta.truncated` and `meta.cursor` (``CommandContext/reportTruncated(cursor:)``), in
  /// text output a warning on standard error naming the `--cursor` to pass.
  public func finish(hasMore: Bool, last: String?, in context: CommandContext) {
    guard hasMore, let last else { return }
    let cursor = PageCursor.make(after: last, list: list)
    if context.options.output == .json {
      context.reportTruncated(cursor: cursor)
    } else {
      context.warn("more follow: pass --cursor \(cursor) for the next page")
    }
  }
}
