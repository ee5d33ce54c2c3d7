import ArgumentParser
import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// `TOOL --generate-manual`: the tool's manual page (section 1, in mdoc), generated from the
/// same command tree, contracts and global options as `--help` and the manifest, so that it
/// never drifts from them.
///
/// swift-argument-parser's `generate-manual` plug-in is not used: it builds the whole package
/// again without the release build's flags (a second, dynamic build of everything), and it
/// reads only `--experimental-dump-help`, which knows neither the global options (TandemCLI
/// takes them out before the parser sees the line), nor the built-in `manifest`, the exit
/// codes or the examples.
enum ManualPage {
  /// The hidden flag that prints the page, beside swift-argument-parser's
  /// `--generate-completion-script`.
  static let flag = "--generate-manual"

  /// The page, when `arguments` (global options taken out) are exactly the flag.
  static func requested<Root: TandemTool>(by arguments: [String], root: Root.Type) -> String? {
    guard arguments == [flag] else { return nil }
    return page(Root.self, date: date(secondsSinceEpoch: sourceDate()))
  }

  /// The whole page, dated `date` (e.g. `May 3, 2026`).
  static func page<Root: TandemTool>(_ root: Root.Type, date: String) -> String {
    let tool = Root.identity
    let names = Root.globalOptionNames
    let tree = CommandTree(root)
    let globals = GlobalOptionsHelp.entries(tool: tool, names: names)
    let version = Root.configuration.version
    var lines: [String] = [
      ".Dd \(date)",
      ".Dt \(tool.name.uppercased()) 1",
      ".Os " + Mdoc.argument(version.isEmpty ? tool.name : "\(tool.name) \(version)"),
      ".Sh NAME",
      ".Nm \(tool.name)",
      ".Nd " + Mdoc.argument(withoutFinalPeriod(Root.configuration.abstract)),
      ".Sh SYNOPSIS",
      ".Nm",
    ]
    lines += globals.map { ".Op Fl -\(names.name(of: $0.option)) Ar \(Mdoc.argument(bare($0.placeholder)))" }
    lines += [".Ar command", ".Op Ar arguments"]

    lines.append(".Sh DESCRIPTION")
    lines.append(Mdoc.prose(Root.configuration.abstract))
    if !Root.configuration.discussion.isEmpty {
      lines += [".Pp", Mdoc.prose(Root.configuration.discussion)]
    }
    lines += [
      ".Pp",
      Mdoc.prose(
        "Each command's own help: \(tool.name) COMMAND --help. The whole command tree as JSON, "
          + "for programs and agents: \(tool.name) \(Manifest.commandName) (see MANIFEST below)."),
    ]

    lines += [
      ".Sh GLOBAL OPTIONS", Mdoc.prose("Accepted before or after the command."), ".Bl -tag -width Ds",
    ]
    for entry in globals {
      let short = names.shortFlag(entry.option).map { "Fl \($0.dropFirst()) , " } ?? ""
      lines.append(
        ".It \(short)Fl -\(names.name(of: entry.option)) Ar \(Mdoc.argument(bare(entry.placeholder)))")
      lines.append(Mdoc.prose(entry.text))
    }
    lines.append(".El")

    lines.append(".Sh COMMANDS")
    var failures: [StateError.Code] = []
    for node in tree.allNodes where !node.path.isEmpty && node.type != nil {
      let contract = (node.type as? any ContractedCommand.Type)?.contract
      failures += contract?.failures ?? []
      lines += command(node, contract: contract, tool: tool.name)
    }
    lines += [
      ".Ss \(Manifest.commandName)",
      ".Bd -ragged -offset indent",
      ".Nm \(tool.name)",
      ".Cm \(Manifest.commandName)",
      ".Op Fl -etag Ar etag",
      ".Ed",
      ".Pp",
      Mdoc.prose(Manifest.abstract),
    ]

    lines += [
      ".Sh MANIFEST",
      Mdoc.prose(
        "\(tool.name) \(Manifest.commandName) prints every command and subcommand by dotted path, "
          + "with its danger level (safe, mutating or destructive), flags, exit codes and examples "
          + "(the CLI Agent Spec's ManifestResponse), inside the usual JSON envelope, whatever the "
          + "output format. Its etag changes only when the command tree does: "
          + "\(tool.name) \(Manifest.commandName) --etag ETAG answers with data null and "
          + "meta.not_modified true while the tree is unchanged."),
    ]

    lines += [
      ".Sh SHELL COMPLETION",
      Mdoc.prose(
        "\(tool.name) --generate-completion-script bash|zsh|fish prints a completion script for that "
          + "shell: every command, its options and the global options, with the values of --"
          + "\(names.output), of options with a fixed set of values and of instance ids (read from "
          + "the home's \(StateHome.instancesDirectoryName)/ directory). \(tool.name) \(flag) prints this page."
      ),
    ]

    lines += [".Sh ENVIRONMENT", ".Bl -tag -width Ds"]
    for entry in globals {
      lines.append(".It Ev \(names.environmentVariable(entry.option, tool: tool))")
      lines.append(
        Mdoc.prose("The default of --\(names.name(of: entry.option)) when the option is not given."))
    }
    lines.append(".El")

    let home = tool.homeLocation == .dotDirectory ? "~/.\(tool.name)" : "$XDG_CONFIG_HOME/\(tool.name)"
    lines += [
      ".Sh FILES",
      ".Bl -tag -width Ds",
      ".It Pa \(Mdoc.argument(home))",
      Mdoc.prose(
        "The state home (--\(names.home), \(names.environmentVariable(.home, tool: tool))): the shared "
          + "documents at its top, each instance's namespace in \(StateHome.instancesDirectoryName)/ID/, "
          + "and the lock file beside each document."),
      ".El",
    ]

    lines += exitStatus(failures: failures)
    return lines.joined(separator: "\n") + "\n"
  }

  /// One command's subsection: its synopsis, what it does, its arguments and examples.
  private static func command(_ node: CommandTree.Node, contract: CommandContract?, tool: String) -> [String]
  {
    let arguments = node.arguments.filter {
      !["help", "version"].contains($0.name) || $0.kind == .positional
    }
    var lines = [
      ".Ss " + node.path.joined(separator: " "),
      ".Bd -ragged -offset indent",
      ".Nm \(tool)",
      ".Cm " + node.path.map(Mdoc.argument).joined(separator: " "),
    ]
    for argument in arguments.filter({ $0.kind != .positional }) {
      lines.append(".Op " + synopsis(argument))
    }
    if !node.children.isEmpty { lines.append(".Ar command") }
    for argument in arguments where argument.kind == .positional {
      lines.append((argument.isOptional ? ".Op " : ".") + synopsis(argument))
    }
    lines += [".Ed", ".Pp", Mdoc.prose(node.abstract)]
    if let discussion = node.type?.configuration.discussion, !discussion.isEmpty {
      lines += [".Pp", Mdoc.prose(discussion)]
    }
    if !node.children.isEmpty {
      let commands = node.children.filter { $0.type != nil }.map { $0.path.joined(separator: " ") }
      lines += [".Pp", Mdoc.prose("Commands: " + commands.joined(separator: ", ") + ".")]
    }
    if !arguments.isEmpty {
      lines.append(".Bl -tag -width Ds")
      for argument in arguments {
        lines.append(".It " + synopsis(argument))
        var text = argument.abstract
        if !argument.discussion.isEmpty { text += (text.isEmpty ? "" : " ") + argument.discussion }
        if let values = argument.allValues ?? contract?.allowedValues[argument.name] {
          text += (text.isEmpty ? "" : " ") + "One of: " + values.joined(separator: ", ") + "."
        }
        if let value = argument.defaultValue { text += (text.isEmpty ? "" : " ") + "Default: \(value)." }
        lines.append(Mdoc.prose(text.isEmpty ? argument.name : text))
      }
      lines.append(".El")
    }
    if let contract, node.type is any TandemCommand.Type || node.type is any AsyncTandemCommand.Type {
      lines += [".Pp", Mdoc.prose("Danger level: \(contract.danger.rawValue).")]
    }
    if let examples = contract?.examples, !examples.isEmpty {
      lines += [".Pp", "Examples:"]
      lines.append(Mdoc.literal(examples.flatMap { ["# " + $0.description, "\(tool) \($0.arguments)"] }))
    }
    return lines
  }

  /// An argument as the synopsis shows it: `Fl -scope Ar scope`, `Fl -dry-run`, `Ar key ...`.
  private static func synopsis(_ argument: CommandTree.Argument) -> String {
    let value = "Ar " + Mdoc.argument(argument.valueName ?? argument.name)
    let repeating = argument.isRepeating ? " No ..." : ""
    switch argument.kind {
    case .positional:
      return value + repeating
    case .flag, .option:
      var names: [String] = []
      if let short = argument.short { names.append("Fl \(short)") }
      if argument.name != argument.short { names.append("Fl -\(argument.name)") }
      return names.joined(separator: " , ") + (argument.kind == .option ? " " + value : "") + repeating
    }
  }

  /// EXIT STATUS: what each status means, with the error codes that end in it.
  private static func exitStatus(failures: [StateError.Code]) -> [String] {
    let common: [StateError.Code] = [.invalidArgument, StateError.Code("INTERNAL_ERROR"), .ioError]
    var codes: [Int32: [String]] = [0: []]
    for code in common + failures {
      let status = ErrorCatalog.entry(for: code).exitCode.rawValue
      if codes[status, default: []].contains(code.rawValue) { continue }
      codes[status, default: []].append(code.rawValue)
    }
    var lines = [
      ".Sh EXIT STATUS",
      Mdoc.prose(
        "The codes of the CLI Agent Spec. In JSON mode the envelope's error.code says which error it was."),
      ".Bl -tag -width Ds",
    ]
    for status in codes.keys.sorted() {
      var text = Manifest.exitMeanings[status] ?? "Failed."
      if let list = codes[status], !list.isEmpty { text += " Codes: " + list.joined(separator: ", ") + "." }
      lines += [".It \(status)", Mdoc.prose(text)]
    }
    lines += [
      ".It 128 + N",
      Mdoc.prose("Interrupted by signal N (INTERRUPTED)."),
      ".El",
      Mdoc.prose(
        "A command that runs another command exits with that command's own status when it ran (COMMAND_STATUS)."
      ),
    ]
    return lines
  }

  /// `<dir>` without its angle brackets.
  private static func bare(_ placeholder: String) -> String {
    placeholder.hasPrefix("<") && placeholder.hasSuffix(">")
      ? String(placeholder.dropFirst().dropLast()) : placeholder
  }

  private static func withoutFinalPeriod(_ text: String) -> String {
    text.hasSuffix(".") ? String(text.dropLast()) : text
  }

  /// `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
  private static func sourceDate() -> Int {
    if let value = getenv("SOURCE_DATE_EPOCH"), let seconds = Int(String(cString: value)) { return seconds }
    return Int(time(nil))
  }

  /// `May 3, 2026`, the date format of mdoc's `.Dd`, in UTC.
  static func date(secondsSinceEpoch seconds: Int) -> String {
    var clock = time_t(seconds)
    var parts = tm()
    gmtime_r(&clock, &parts)
    let months = [
      "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
      "November", "December",
    ]
    return "\(months[Int(parts.tm_mon)]) \(parts.tm_mday), \(1900 + Int(parts.tm_year))"
  }
}
