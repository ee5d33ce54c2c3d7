import ArgumentParser
import Foundation
import TandemState
import TandemTestSupport
import Testing

@testable import TandemCLI

/// A tool with a renamed output option and an XDG home, so that the completion scripts are
/// seen to follow the tool's own names.
struct ReelTool: TandemTool {
  static let configuration = CommandConfiguration(
    commandName: "reel", version: "1.0.0", subcommands: [Clips.self])
  static let identity = ToolIdentity(name: "reel", environmentPrefix: "REEL", home: .platformDefault)
  static let globalOptionNames = GlobalOptionNames(output: "format")

  struct Clips: ParsableCommand {
    static let configuration = CommandConfiguration(subcommands: [Cut.self])
  }

  struct Cut: TandemCommand {
    @Option(completion: .list(["fast", "slow"])) var speed: String?
    @Argument(completion: .instanceIDs(of: ReelTool.identity)) var instance: String
    func execute(in context: CommandContext) throws -> CommandOutput {
      CommandOutput(data: .object([]), text: "")
    }
  }
}

@Suite("Completion scripts")
struct CompletionScriptTests {
  func script(_ arguments: [String], environment: [String: String] = [:]) -> CommandLineTool.Response {
    CommandLineTool.invoke(ReelTool.self, arguments: arguments, environment: environment)
  }

  @Test(
    "every shell's script offers the global options under the tool's own names",
    arguments: CompletionShell.allCases)
  func globalOptions(shell: CompletionShell) {
    let response = script(["--generate-completion-script", shell.rawValue])
    #expect(response.exitStatus == .success)
    #expect(response.standardError.isEmpty)
    // fish names a long option `-l 'home'`, bash and zsh `--home`.
    func spelled(_ option: String) -> String { shell == .fish ? "-l '\(option)'" : "--\(option)" }
    for option in ["home", "instance-id", "lock-timeout", "format"] {
      #expect(response.standardOutput.contains(spelled(option)), "\(shell.rawValue): \(option)")
    }
    // The renamed option, not the default name.
    #expect(!response.standardOutput.contains(spelled("output")))
    // The built-in manifest is offered as a command.
    #expect(response.standardOutput.contains("manifest"))
  }

  @Test("the three spellings of the request give the same script, in every output mode")
  func spellings() {
    let reference = script(["--generate-completion-script", "bash"]).standardOutput
    #expect(script(["--generate-completion-script=bash"]).standardOutput == reference)
    #expect(script(["--format", "json", "--generate-completion-script", "bash"]).standardOutput == reference)
    #expect(
      script(["--generate-completion-script", "bash"], environment: ["REEL_FORMAT": "json"]).standardOutput
        == reference)
  }

  @Test("an unknown shell is left to swift-argument-parser: a usage error")
  func unknownShell() {
    let response = script(["--generate-completion-script", "tcsh"])
    #expect(response.exitStatus == .argumentError)
    #expect(response.standardOutput.isEmpty)
  }

  @Test("the bash script, sourced, completes global options after a subcommand and their values")
  func bashCompletes() throws {
    let bash = "/bin/bash"
    try #require(FileManager.default.isExecutableFile(atPath: bash))
    let directory = TemporaryDirectory()
    let scriptPath = directory.appending("reel.bash")
    try script(["--generate-completion-script", "bash"]).standardOutput.write(
      toFile: scriptPath, atomically: true, encoding: .utf8)
    // Two instances, a file and the retired records, which are not instances.
    let config = directory.appending("config")
    for name in ["reel/instances/alpha", "reel/instances/beta", "reel/instances/.retired"] {
      try FileManager.default.createDirectory(
        atPath: config + "/" + name, withIntermediateDirectories: true)
    }
    #expect(FileManager.default.createFile(atPath: config + "/reel/instances/stray-file", contents: Data()))

    func complete(_ words: [String], environment: [String: String]) throws -> [String] {
      let line = """
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
        _reel reel "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\\n' "${COMPREPLY[@]}"
        """
      let result = try BuiltProduct.startProgram(
        bash, ["-c", line, "_", scriptPath, "reel"] + words, environment: environment
      ).wait()
      #expect(result.status == 0, "\(result.standardError)")
      return result.standardOutput.split(separator: "\n").map(String.init).sorted()
    }
    let xdg = ["HOME": directory.path, "XDG_CONFIG_HOME": config]
    #expect(try complete(["clips", "cut", "--format", ""], environment: xdg) == ["json", "text"])
    #expect(try complete(["clips", "cut", "--speed", ""], environment: xdg) == ["fast", "slow"])
    #expect(try complete(["--instance-id", ""], environment: xdg) == ["alpha", "beta"])
    #expect(try complete(["clips", "cut", ""], environment: xdg).contains("alpha"))
    // REEL_HOME wins over the default home; no home at all completes nothing.
    #expect(
      try complete(["--instance-id", ""], environment: xdg.merging(["REEL_HOME": directory.path]) { $1 })
        == [])
    #expect(
      try complete(
        ["--instance-id", ""], environment: ["HOME": directory.path, "REEL_HOME": config + "/reel"])
        == ["alpha", "beta"])
    let options = try complete(["clips", "cut", "--"], environment: xdg)
    for option in ["--home", "--instance-id", "--lock-timeout", "--format", "--speed"] {
      #expect(options.contains(option), "\(option) in \(options)")
    }
  }

  @Test("the instance-id listing runs in sh, reads PREFIX_HOME, else the default home")
  func instanceListingCommand() {
    let dot = InstanceIDCompletion.command(ToolIdentity(name: "tandem"))
    #expect(dot.hasPrefix("sh -c '"))
    #expect(dot.contains("${TANDEM_HOME:-$HOME/.tandem}/instances"))
    let xdg = InstanceIDCompletion.command(ReelTool.identity)
    #expect(xdg.contains("${REEL_HOME:-"))
    #expect(xdg.contains("XDG_CONFIG_HOME"))
    // One single-quoted word: no single quote inside it.
    #expect(!dot.dropFirst(7).dropLast().contains("'"))
    #expect(!xdg.dropFirst(7).dropLast().contains("'"))
  }
}
