/// How a command reports: text for people, or one JSON envelope for programs.
public enum OutputFormat: String, Sendable, CaseIterable {
  /// The result on standard output, an error as one line on standard error.
  case text
  /// Exactly one JSON document (the response envelope) on standard output.
  case json
}
