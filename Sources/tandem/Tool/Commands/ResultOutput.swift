import TandemCLI
import TandemState

extension CommandResult {
  /// This result as the ``CommandOutput`` a ``FastRoute`` returns: the JSON data and the
  /// text that ``CommandLineTool`` makes of it when a command returns it, so that both routes
  /// answer alike.
  func output() throws -> CommandOutput {
    let data = try encodedData()
    return CommandOutput(data: data, text: text ?? TextRendering.render(data))
  }

  /// ``output()`` for a command answering in `format`, building only what that format
  /// prints: the JSON data or the text, not both (for `config list` of a 10,000-key document,
  /// 10,000 objects or 10,000 lines built and freed for nothing).
  func output(in format: OutputFormat) throws -> CommandOutput {
    switch format {
    case .json: return CommandOutput(data: try encodedData(), text: "")
    case .text:
      guard let text else { return try output() }
      return CommandOutput(data: .object([]), text: text)
    }
  }

  /// This result with one stored value as its whole text (`auth token`): printed exactly
  /// when captured (`$(tandem auth token)`), escaped on a terminal; see
  /// ``CommandOutput/value(_:data:)``. A result type cannot ask for that by itself.
  func output(storedValue: String) throws -> CommandOutput {
    CommandOutput.value(storedValue, data: try encodedData())
  }
}
