import TandemCLI

extension CommandResult {
  /// This result as the ``CommandOutput`` a ``FastRoute`` returns: the JSON data and the
  /// text that ``CommandLineTool`` makes of it when a command returns it, so that both routes
  /// answer alike.
  func output() throws -> CommandOutput {
    let data = try encodedData()
    return CommandOutput(data: data, text: text ?? TextRendering.render(data))
  }

  /// This result with one stored value as its whole text (`auth token`): printed exactly
  /// when captured (`$(tandem auth token)`), escaped on a terminal; see
  /// ``CommandOutput/value(_:data:)``. A result type cannot ask for that by itself.
  func output(storedValue: String) throws -> CommandOutput {
    CommandOutput.value(storedValue, data: try encodedData())
  }
}
