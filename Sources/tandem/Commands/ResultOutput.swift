import TandemCLI

extension CommandResult {
  /// This result as the ``CommandOutput`` a ``FastRoute`` returns: the JSON data and the
  /// text that ``CommandLineTool`` makes of it when a command returns it, so that both routes
  /// answer alike.
  func output() throws -> CommandOutput {
    let data = try ResultEncoder.encode(self)
    return CommandOutput(data: data, text: text ?? TextRendering.render(data))
  }
}

/// A result whose text is one stored value (`config get`, `auth token`): printed exactly
/// when captured (`$(tandem config get k)`), escaped on a terminal; see
/// ``CommandOutput/value(_:data:)``. A result type cannot ask for that by itself, so these
/// commands return the output made here.
protocol StoredValueResult: CommandResult {
  /// The one value that text mode prints.
  var storedValue: String { get }
}

extension StoredValueResult {
  /// This result with its stored value as the text.
  func valueOutput() throws -> CommandOutput {
    CommandOutput.value(storedValue, data: try ResultEncoder.encode(self))
  }
}
