import ArgumentParser
import TandemCLI
import TandemState

/// `tandem lock status [--name NAME]`
struct LockStatusCommand: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Tell whether a lock is free, or who holds it and for how long."
  )


  @Option(help: ArgumentHelp("A named lock; default: the namespace's config lock.", valueName: "name"))
  var name: String?

  func execute(in context: CommandContext) throws -> CommandOutput {
    try Self.perform(name: name, in: context)
  }

  static func perform(name: String?, in context: CommandContext) throws -> CommandOutput {
    let status: LockStatus
    if let name {
      status = try NamedLock(home: context.options.home, name: name).status()
    } else {
      status = try ConfigStore(home: context.options.home, namespace: context.options.namespace).lockStatus()
    }
    var holder: JSONValue = .null
    // Paths, ids and the holder's command are stored data: escaped, so one line stays one.
    let path = TextEscaping.escape(status.path)
    var text = "free: \(path)"
    if status.isHeld {
      if let who = status.holder {
        let held = who.heldMillisecondsNow
        holder = .object([
          ("pid", .integer(Int64(who.pid))),
          ("instance_id", .optional(who.instanceID)),
          ("command", .string(who.command)),
          ("held_ms", .integer(held)),
        ])
        let label = who.instanceID.map { "\(TextEscaping.escape($0)): " } ?? ""
        text = "held by pid \(who.pid) (\(label)\(TextEscaping.escape(who.command))) for \(held) ms: \(path)"
      } else {
        text = "held by another process: \(path)"
      }
    }
    let data: JSONValue = .object([
      ("lock", .string(name ?? "config")),
      ("path", .string(status.path)),
      ("held", .bool(status.isHeld)),
      ("holder", holder),
      ("typical_hold_ms", .double(Double(status.typicalHoldMicroseconds) / 1000)),
    ])
    return CommandOutput(data: data, text: text)
  }
}
