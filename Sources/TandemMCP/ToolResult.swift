import MCP
import TandemCLI
import TandemState

/// The MCP result of one call, made from the envelope `tandem --output json` printed.
///
/// - Success: the text content is the envelope's `data` as JSON, and so is the structured
///   content (an object, as MCP wants it).
/// - Failure: an error result (`isError: true`) whose text content and structured content
///   are the envelope's `error` object as it is: `code`, `message`, `exit_code`,
///   `retryable`, `retry_after_ms`, `retry_strategy`, `fix_required`, `fix_command` and the
///   code's own fields (`reason`, `current_revision`, `holder`, ...).
///
/// Warnings, and a page's `truncated` and `cursor`, follow as a second text content, so that
/// a model sees them too; the envelope's `meta` goes in the result's `_meta` under
/// `tandem/meta`. Nothing is logged: a token from `auth token` leaves only in the result.
enum ToolResult {
  /// The result for what a `tandem` process printed and how it ended.
  static func make(from output: CapturedProcess.Result) -> CallTool.Result {
    make(
      standardOutput: output.standardOutput, standardError: output.standardError,
      termination: output.termination)
  }

  /// The result for what a `tandem` process printed and how it ended (`nil`: killed at a
  /// deadline).
  static func make(standardOutput: [UInt8], standardError: [UInt8], termination: ChildProcess.Termination?)
    -> CallTool.Result
  {
    func unreadable() -> CallTool.Result {
      failure(Self.noEnvelope(standardError: standardError, termination: termination))
    }
    guard let envelope = try? JSONParser.parse(standardOutput), let ok = envelope["ok"]?.boolValue
    else { return unreadable() }
    let warnings = envelope["warnings"] ?? .array([])
    let meta = envelope["meta"] ?? .object([])
    if ok {
      return result(envelope["data"] ?? .null, isError: false, warnings: warnings, meta: meta)
    }
    guard let error = envelope["error"], case .object = error else { return unreadable() }
    return result(error, isError: true, warnings: warnings, meta: meta)
  }

  /// An error result for a failure found before `tandem` ran (the call's arguments).
  static func failure(_ failure: CommandFailure) -> CallTool.Result {
    result(failure.json, isError: true, warnings: .array([]), meta: .object([]))
  }

  private static func result(_ body: JSONValue, isError: Bool, warnings: JSONValue, meta: JSONValue)
    -> CallTool.Result
  {
    var content: [Tool.Content] = [.text(text: JSONWriter.compact(body), annotations: nil, _meta: nil)]
    var notes: [(String, JSONValue)] = []
    if case .array(let list) = warnings, !list.isEmpty { notes.append(("warnings", warnings)) }
    if meta["truncated"]?.boolValue == true {
      notes.append(("truncated", .bool(true)))
      if let cursor = meta["cursor"] { notes.append(("cursor", cursor)) }
    }
    if !notes.isEmpty {
      content.append(.text(text: JSONWriter.compact(.object(notes)), annotations: nil, _meta: nil))
    }
    var structured: Value?
    if case .object = body { structured = Value(body) }
    var metadata: Metadata?
    if case .object(let members) = meta, !members.isEmpty {
      metadata = Metadata(additionalFields: ["tandem/meta": Value(meta)])
    }
    return CallTool.Result(
      content: content, structuredContent: structured, isError: isError ? true : nil, _meta: metadata)
  }

  /// The failure reported when `tandem` printed no envelope: it was killed, or is not the
  /// `tandem` it should be.
  static func noEnvelope(standardError: [UInt8], termination: ChildProcess.Termination?) -> CommandFailure {
    let how: String
    switch termination {
    case .exited(let status)?: how = "exited with status \(status)"
    case .signaled(let signal)?: how = "was killed by signal \(signal)"
    case nil: how = "did not end in time"
    }
    var failure = CommandFailure(
      code: "INTERNAL_ERROR", exitCode: .generalError,
      message: "tandem \(how) without printing a JSON envelope")
    // What it said instead, cut short: a field of its own, never part of the message.
    let said = String(decoding: standardError.prefix(400), as: UTF8.self)
    if !said.isEmpty { failure.details.append(("stderr", .string(said))) }
    failure.fixRequired = "check that TANDEM_BIN (or the tandem beside tandem-mcp) is the matching tandem"
    return failure
  }
}
