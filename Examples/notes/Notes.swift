import ArgumentParser
import TandemCLI
import TandemState

/// `notes`: numbered notes that several agents can add to, list and export at the same time,
/// built only on the public API of TandemState and TandemCLI.
///
/// The root says once who the tool is (its name, variables and home), how its global
/// options are named, and which of its commands fixes what.
struct Notes: TandemTool {
  static let configuration = CommandConfiguration(
    commandName: "notes",
    abstract: "Notes that several agents can add to at once.",
    discussion: """
      Every change is a locked read-modify-write of the notebook, and raises its revision by 1. \
      A change that cannot proceed exits 6 (CONCURRENT_MODIFICATION); nothing is ever silently \
      overwritten.
      """,
    version: "0.1.0",
    subcommands: [Add.self, List.self, Remove.self, Export.self, Repair.self]
  )

  /// `$XDG_CONFIG_HOME/notes` (else `~/.config/notes`) and `NOTES_*`: never another tool's state.
  static let identity = ToolIdentity(name: "notes", environmentPrefix: "NOTES", home: .platformDefault)

  /// `export --output FILE` is the tool's own option, so the output format is `--format`
  /// (`NOTES_FORMAT`), and `-f` for short: a `-o` beside `export --output` would read as the
  /// file.
  static let globalOptionNames = GlobalOptionNames(output: "format", outputShort: "f")

  /// The commands of `notes` that fix an error; the framework adds the tool's name and the
  /// global options the caller gave (`--home`, `--instance-id`, ...).
  static func advice(for remedy: Remedy, in context: CommandContext) -> RemedyAdvice? {
    switch remedy {
    case .rereadDocument(let namespace, let revision):
      return RemedyAdvice(
        text:
          "list the notes again (they are at revision \(revision)), then retry with --if-revision \(revision)",
        command: ["list", "--scope", NoteScope(namespace).rawValue])
    case .repairDocument(let namespace, let fileName) where fileName == Notebook.fileName:
      return RemedyAdvice(command: ["repair", "--scope", NoteScope(namespace).rawValue])
    case .repairDocument, .raiseLockTimeout, .chooseWritableHome, .nameHome, .setEnvironmentVariable, .logIn,
      .logInFirst, .chooseAccount, .askForShorterValidity:
      // The framework's own wording, in this tool's option and variable names.
      return nil
    }
  }
}
