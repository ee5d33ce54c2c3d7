import ArgumentParser
import TandemCLI
import TandemState

/// `tandem --instance-id ID env --isolate --tool NAME`
struct EnvCommand: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "env",
    abstract: "Print the redirections of run --isolate as shell export lines.",
    discussion: """
      eval "$(tandem --instance-id a env --isolate --tool git)" then lets an agent's shell \
      call git directly with its configuration in its own namespace, seeded on first use, \
      as run --isolate does. (Calls made that way are not serialized: shared credentials of \
      the profile need run --isolate.) With --output json, a JSON object of the variables.
      """
  )

  @Flag(help: "The redirections into this agent's namespace (needs an instance id).")
  var isolate = false

  @Option(help: ArgumentHelp("The tool.", valueName: "name"))
  var tool: String

  func execute(in context: CommandContext) throws -> CommandOutput {
    try context.requireFileStore(Tandem.fileStoreOnly)
    guard isolate else {
      throw CommandFailure.usage("env prints the redirections of --isolate: pass --isolate")
    }
    let name = try RunCommand.toolName(tool, command: [tool])
    let namespace = try RunCommand.namespace(for: name, in: context)
    try RunCommand.prepare(
      namespace, name: name, held: false, intent: context.intent("env --isolate --tool \(name)"), in: context)
    let redirections = namespace.redirections
    let lines = redirections.map { "export \($0.variable)=\(ShellQuoting.quote($0.path))" }
    return CommandOutput(
      data: .object([
        ("tool", .string(name)),
        ("variables", .object(redirections.map { ($0.variable, .string($0.path)) })),
        ("serialized_credentials", .bool(namespace.profile.hasSharedCredentials)),
      ]), text: lines.joined(separator: "\n"))
  }
}
