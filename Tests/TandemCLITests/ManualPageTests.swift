import ArgumentParser
import TandemState
import Testing

@testable import TandemCLI

@Suite("Manual page")
struct ManualPageTests {
  func page() -> CommandLineTool.Response {
    CommandLineTool.invoke(ShelfTool.self, arguments: ["--generate-manual"], environment: [:])
  }

  @Test("--generate-manual prints an mdoc page, raw text in every output mode")
  func rawPage() {
    let response = page()
    #expect(response.exitStatus == .success)
    #expect(response.standardError.isEmpty)
    #expect(response.standardOutput.hasPrefix(".Dd "))
    #expect(response.standardOutput.contains(".Dt SHELF 1"))
    #expect(response.standardOutput.contains(".Os \"\\&shelf 2.1.0\""))
    let json = CommandLineTool.invoke(
      ShelfTool.self, arguments: ["--output", "json", "--generate-manual"], environment: [:])
    #expect(json.standardOutput.hasPrefix(".Dd "))
  }

  @Test("the page has the global options, their variables, every command, the manifest and the exit codes")
  func content() {
    let text = page().standardOutput
    for option in ["home", "instance-id", "lock-timeout"] {
      #expect(text.contains(".It Fl -\(option) Ar"), "\(option)")
    }
    #expect(text.contains(".It Fl o , Fl -output Ar"), "the output format with its short name")
    for option in ["home", "instance-id", "lock-timeout", "output"] {
      #expect(text.contains(".Op Fl -\(option) Ar"), "\(option) in the synopsis")
    }
    for variable in ["SHELF_HOME", "SHELF_INSTANCE_ID", "SHELF_LOCK_TIMEOUT", "SHELF_OUTPUT"] {
      #expect(text.contains(".It Ev \(variable)"))
    }
    for command in ["put", "count", "exec", "books", "books count", "manifest"] {
      #expect(text.contains("\n.Ss \(command)\n"), "\(command)")
    }
    #expect(text.contains(".Sh MANIFEST"))
    #expect(text.contains("shelf \\%--generate-completion-script bash|zsh|fish"))
    // The contract: an example, the danger level, and its failures under their exit codes.
    #expect(text.contains("shelf put --color red --copies 2 dune"))
    #expect(text.contains("Danger level: mutating."))
    #expect(text.contains("CONCURRENT_MODIFICATION"))
    #expect(text.contains(".It 6\n"))
    #expect(text.contains(".It 5\n"))
    // An enum option lists its values; swift-argument-parser's own help flags are left out.
    #expect(text.contains("One of: red, blue."))
    #expect(!text.contains("Fl -help"))
    // The XDG home of this tool.
    #expect(text.contains("$XDG_CONFIG_HOME/shelf"))
  }

  @Test("prose cannot start a request, and backslashes are printed, not interpreted")
  func escaping() {
    #expect(Mdoc.prose(".Sh NAME\n'quoted") == "\\&.Sh NAME\n\\&'quoted")
    #expect(Mdoc.prose("a \\n b") == "a \\en b")
    #expect(Mdoc.prose("one\n\ntwo") == "one\n.Pp\ntwo")
    #expect(Mdoc.prose("see --home and TANDEM_HOME") == "see \\%--home and \\%TANDEM_HOME")
    #expect(Mdoc.argument("Ar \"x\"") == "\"\\&Ar \\(dqx\\(dq\"")
    #expect(Mdoc.literal([".hidden"]) == ".Bd -literal -offset indent\n\\&.hidden\n.Ed")
  }

  @Test("the date is mdoc's, in UTC")
  func date() {
    #expect(ManualPage.date(secondsSinceEpoch: 0) == "January 1, 1970")
    #expect(ManualPage.date(secondsSinceEpoch: 1_780_000_000) == "May 28, 2026")
  }
}
