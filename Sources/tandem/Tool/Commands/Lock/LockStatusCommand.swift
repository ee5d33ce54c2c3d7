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

  func execute(in context: CommandContext) throws -> LockStatusReport {
    try Self.perform(name: name, in: context)
  }

  static func perform(name: String?, in context: CommandContext) throws -> LockStatusReport {
    let status: LockStatus
    if let name {
      status = try context.backend().lock(named: name).status()
    } else {
      status = try context.configStore(context.options.namespace).lockStatus()
    }
    // The recorded holder counts only while the lock is held.
    let holder = status.isHeld ? status.holder : nil
    return LockStatusReport(
      lock: name ?? "config", path: status.path, held: status.isHeld,
      holder: holder.map {
        LockStatusReport.Holder(
          pid: $0.pid, instanceID: $0.instanceID, command: $0.command, heldMs: $0.heldMillisecondsNow, host: $0.host)
      },
      typicalHoldMs: Double(status.typicalHoldMicroseconds) / 1000)
  }
}
