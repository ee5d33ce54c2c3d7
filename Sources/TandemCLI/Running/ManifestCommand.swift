import ArgumentParser
import TandemState

/// The built-in `manifest` command every tool built on TandemCLI answers (unless the tool
/// has a command of that name): the whole command tree as one JSON envelope, in every
/// output mode, since its only reader is a program.
enum ManifestCommand {
  /// Whether `arguments` (global options taken out) call the built-in.
  static func isCalled<Root: TandemTool>(by arguments: [String], root: Root.Type) -> Bool {
    arguments.first == Manifest.commandName
      && !Root.configuration.subcommands.contains { CommandLineAdvice.name(of: $0) == Manifest.commandName }
  }

  /// The response to `manifest [--etag E]`.
  static func respond<Root: TandemTool>(
    _ root: Root.Type, arguments: [String], format: OutputFormat, invocation: Invocation
  ) -> CommandLineTool.Response {
    var etag: String?
    var rest = arguments.dropFirst()
    while let word = rest.popFirst() {
      switch word {
      case "--etag":
        guard let value = rest.popFirst() else { return usage("--etag needs a value", invocation) }
        etag = value
      case _ where word.hasPrefix("--etag="):
        etag = String(word.dropFirst("--etag=".count))
      case "-h", "--help":
        let help = """
          OVERVIEW: \(Manifest.abstract)

          Every command and subcommand by dotted path, with its danger level, flags, exit codes
          and examples (the CLI Agent Spec's ManifestResponse), inside the usual envelope. The
          etag changes only when the command tree does.

          USAGE: \(Root.identity.name) \(Manifest.commandName) [--etag <etag>]

          OPTIONS:
            --etag <etag>   The etag of a manifest already held: when it is still current,
                            data is null and meta.not_modified is true.
          """
        return text(help, format: format, invocation: invocation)
      default:
        return usage(
          "unknown argument '\(word)' for \(Manifest.commandName); it takes only --etag", invocation)
      }
    }
    let manifest = Manifest.build(root)
    var meta = ResponseEnvelope.meta(invocation, instanceID: nil, command: Manifest.commandName)
    var data = manifest
    if let etag, etag == manifest["etag"]?.stringValue {
      data = .null
      meta.append(("not_modified", .bool(true)))
    }
    let envelope = ResponseEnvelope.success(data: data, warnings: [], meta: meta)
    return CommandLineTool.Response(
      exitStatus: .success, standardOutput: JSONWriter.compact(envelope) + "\n", standardError: "",
      format: .json)
  }

  /// A usage error, as JSON like the manifest itself.
  private static func usage(_ message: String, _ invocation: Invocation) -> CommandLineTool.Response {
    var failure = CommandFailure.usage(message)
    failure.fixRequired = "correct the command line; run \(Manifest.commandName) --help for usage"
    return CommandLineTool.respond(
      failure: failure, format: .json, instanceID: nil, command: Manifest.commandName, invocation: invocation,
      warnings: [])
  }

  private static func text(_ help: String, format: OutputFormat, invocation: Invocation)
    -> CommandLineTool.Response
  {
    guard format == .json else {
      return CommandLineTool.Response(exitStatus: .success, standardOutput: help + "\n", standardError: "")
    }
    let meta = ResponseEnvelope.meta(invocation, instanceID: nil, command: Manifest.commandName)
    let envelope = ResponseEnvelope.success(
      data: .object([("help", .string(help))]), warnings: [], meta: meta)
    return CommandLineTool.Response(
      exitStatus: .success, standardOutput: JSONWriter.compact(envelope) + "\n", standardError: "",
      format: .json)
  }
}
