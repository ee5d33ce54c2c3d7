import ArgumentParser
import TandemState

/// A command's definition with the tool's global options added, for swift-argument-parser's
/// completion generator only: never parsed, never run.
///
/// ``CommandLineTool`` takes the global options out of the command line before
/// swift-argument-parser sees it, so the commands do not declare them and the generator,
/// left to itself, would not offer them. Every command of the tree is wrapped in this type,
/// which declares the command's own arguments (an option group of it) and the global
/// options, so that each shell's script offers them after any command, with the command's
/// own names, aliases and order.
struct CompletionTree<Root: TandemTool, Command: ParsableCommand>: ParsableCommand {
  static var configuration: CommandConfiguration {
    var configuration = Command.configuration
    configuration.commandName = CommandLineAdvice.name(of: Command.self)
    configuration.subcommands = configuration.subcommands.map(wrapped)
    // The built-in `manifest` is answered before the parser, so it is not in the tree.
    if Command.self == Root.self && ManifestCommand.isCalled(by: [Manifest.commandName], root: Root.self) {
      configuration.subcommands.append(CompletionTree<Root, ManifestDeclaration>.self)
    }
    configuration.defaultSubcommand = configuration.defaultSubcommand.map(wrapped)
    return configuration
  }

  @OptionGroup var command: Command
  @OptionGroup var globalOptions: GlobalOptionDeclarations<Root>

  /// `child` wrapped in the same way.
  private static func wrapped(_ child: any ParsableCommand.Type) -> any ParsableCommand.Type {
    func wrap<Child: ParsableCommand>(_: Child.Type) -> any ParsableCommand.Type {
      CompletionTree<Root, Child>.self
    }
    return wrap(child)
  }
}

/// The global options of `Root` as swift-argument-parser declarations, with the completion
/// of each value: a directory for the home, the home's instance ids, the output formats.
struct GlobalOptionDeclarations<Root: TandemTool>: ParsableArguments {
  @Option(
    name: .customLong(Root.globalOptionNames.home), help: Self.help(.home), completion: .directory)
  var home: String?

  @Option(
    name: .customLong(Root.globalOptionNames.instanceID), help: Self.help(.instanceID),
    completion: .instanceIDs(of: Root.identity))
  var instanceID: String?

  // No completion: a duration is typed, not chosen (`--help` shows the forms).
  @Option(
    name: .customLong(Root.globalOptionNames.lockTimeout), help: Self.help(.lockTimeout),
    completion: .list([]))
  var lockTimeout: String?

  @Option(
    name: Root.globalOptionNames.outputShort.map {
      [.customLong(Root.globalOptionNames.output), .customShort($0)]
    }
      ?? [.customLong(Root.globalOptionNames.output)],
    help: Self.help(.output), completion: .list(OutputFormat.allCases.map(\.rawValue)))
  var output: String?

  // No completion: a URL is typed (or pasted), not chosen.
  @Option(
    name: .customLong(Root.globalOptionNames.store), help: Self.help(.store), completion: .list([]))
  var store: String?

  /// The option's line of `--help`, which zsh and fish show beside it.
  private static func help(_ option: GlobalOptions.Name) -> ArgumentHelp {
    let entry = GlobalOptionsHelp.entries(tool: Root.identity, names: Root.globalOptionNames)
      .first { $0.option == option }
    return ArgumentHelp(
      entry?.text ?? "", valueName: entry.map { String($0.placeholder.dropFirst().dropLast()) })
  }
}

/// The built-in `manifest` command as swift-argument-parser declares a command, for its
/// completion.
struct ManifestDeclaration: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: Manifest.commandName, abstract: Manifest.abstract)

  @Option(help: "The etag of a manifest already held.", completion: .list([]))
  var etag: String?
}
