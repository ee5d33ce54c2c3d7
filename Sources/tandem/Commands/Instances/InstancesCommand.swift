import ArgumentParser
import TandemCLI
import TandemState

/// `tandem instances`: the per-agent namespaces.
struct InstancesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "instances",
    abstract: "List or remove instance namespaces.",
    subcommands: [InstancesList.self, InstancesRemove.self]
  )
}

/// `tandem instances list`
struct InstancesList: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List instances with their last write.")


  func execute(in context: CommandContext) throws -> CommandOutput {
    let instances = try InstanceRegistry(home: context.options.home).list()
    let data: JSONValue = .object([
      (
        "instances",
        .array(
          instances.map { instance in
            .object([
              ("id", .string(instance.id)),
              ("path", .string(instance.path)),
              (
                "last_write",
                instance.lastWriteMilliseconds.map { .string(SystemClock.iso8601(wallMilliseconds: $0)) }
                  ?? .null
              ),
            ])
          })
      )
    ])
    let text = instances.map { instance in
      let stamp =
        instance.lastWriteMilliseconds.map { SystemClock.iso8601(wallMilliseconds: $0) } ?? "never written"
      // Tab-separated fields: ids and paths escaped so that neither adds a field or a line.
      return "\(TextEscaping.escape(instance.id))\t\(stamp)\t\(TextEscaping.escape(instance.path))"
    }.joined(separator: "\n")
    return CommandOutput(data: data, text: text)
  }
}

/// `tandem instances remove ID`
struct InstancesRemove: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "remove",
    abstract: "Remove an instance's namespace, waiting for its writers (same lock discipline)."
  )


  @Argument(help: "The instance id.") var id: String

  func execute(in context: CommandContext) throws -> CommandOutput {
    let instance = try InstanceID(id)
    do {
      try InstanceRegistry(home: context.options.home)
        .remove(instance, timeout: context.options.lockTimeout, intent: context.intent(id))
    } catch {
      var failure = error
      if failure.code == .notFound { failure.fixCommand = context.commandLine("instances", "list") }
      throw failure
    }
    let data: JSONValue = .object([("id", .string(id)), ("removed", .bool(true))])
    return CommandOutput(data: data, text: "removed instance \(id)")
  }
}
