import ArgumentParser
import TandemCLI
import TandemState
import Testing

/// A tool whose one command prints a stored value, as `config get` does.
struct ValueTool: TandemTool {
  static let configuration = CommandConfiguration(commandName: "value", subcommands: [Show.self, Warn.self])
  static let identity = ToolIdentity(name: "value")

  struct Show: TandemCommand {
    static let configuration = CommandConfiguration(commandName: "show")
    @Argument var value: String

    func execute(in context: CommandContext) throws -> CommandOutput {
      .value(value, data: .object([("value", .string(value))]))
    }
  }

  struct Warn: TandemCommand {
    static let configuration = CommandConfiguration(commandName: "warn")
    @Argument var value: String

    func execute(in context: CommandContext) throws -> CommandOutput {
      context.warn("odd value \(value)")
      throw CommandFailure(code: "NOT_FOUND", exitCode: .notFound, message: "no \(value) here")
    }
  }
}

@Suite("Escaping of text output")
struct TextEscapingTests {
  static let environment = ["HOME": "/home/test"]

  @Test(
    "control characters and the backslash are escaped C-style; other text is left alone",
    arguments: [
      ("plain", "plain"), ("a\nb", "a\\nb"), ("a\tb\r", "a\\tb\\r"), ("\u{1b}[31m", "\\x1b[31m"),
      ("\\", "\\\\"), ("\\n", "\\\\n"), ("\u{0}\u{7f}", "\\x00\\x7f"), ("\u{9b}", "\\u009b"),
      ("\u{202e}abc", "\\u202eabc"), ("\u{2028}", "\\u2028"), ("é ü 日本 🙂", "é ü 日本 🙂"),
      ("key=value", "key=value"), ("", ""),
    ])
  func escape(_ input: String, _ expected: String) {
    #expect(TextEscaping.escape(input) == expected)
  }

  @Test("escaped text is one line without control characters, and distinct inputs stay distinct")
  func unambiguous() {
    let inputs = ["a\nb", "a\\nb", "a\\\nb", "\u{1b}", "\\x1b", "\\\\x1b"]
    let escaped = inputs.map(TextEscaping.escape)
    #expect(Set(escaped).count == inputs.count)
    for text in escaped {
      #expect(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) })
    }
  }

  @Test("a value result is exact when standard output is not a terminal and escaped when it is")
  func valueOutput() {
    let value = "a\nb\u{1b}[2J\\"
    let piped = CommandLineTool.invoke(
      ValueTool.self, arguments: ["show", value], environment: Self.environment)
    #expect(piped.standardOutput == value + "\n")
    let terminal = CommandLineTool.invoke(
      ValueTool.self, arguments: ["show", value], environment: Self.environment,
      standardOutputIsTerminal: true)
    #expect(terminal.standardOutput == "a\\nb\\x1b[2J\\\\\n")
    let json = CommandLineTool.invoke(
      ValueTool.self, arguments: ["--output", "json", "show", value], environment: Self.environment,
      standardOutputIsTerminal: true)
    #expect(json.standardOutput.contains("\"a\\nb\\u001b[2J\\\\\""))
  }

  @Test("error and warning lines are escaped: one line each")
  func errorLines() {
    let response = CommandLineTool.invoke(
      ValueTool.self, arguments: ["warn", "x\ny\u{1b}"], environment: Self.environment)
    #expect(response.exitStatus == .notFound)
    #expect(
      response.standardError
        == "warning: odd value x\\ny\\x1b\nerror: no x\\ny\\x1b here [NOT_FOUND, exit 5]\n")
  }

  @Test("a revision mismatch is not retryable; a lock timeout is")
  func catalog() {
    var mismatch = StateError(.concurrentModification, "moved on")
    mismatch.conflictReason = .revisionMismatch
    mismatch.currentRevision = 3
    mismatch.retryAfterMilliseconds = 4
    #expect(ErrorCatalog.entry(for: mismatch).retryable == false)
    let failure = CommandFailure(mismatch)
    #expect(failure.exitCode == .conflict && !failure.retryable)
    #expect(failure.retryAfterMilliseconds == nil && failure.retryStrategy == nil)
    var timeout = StateError(.concurrentModification, "busy")
    timeout.conflictReason = .lockTimeout
    timeout.retryAfterMilliseconds = 40
    let retry = CommandFailure(timeout)
    #expect(
      retry.retryable && retry.retryStrategy == "exponential_backoff" && retry.retryAfterMilliseconds == 40)
  }
}
