import ArgumentParser

/// `tandem lock`: hold a lock while another tool runs, or see who holds one.
struct LockCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lock",
    abstract: "Serialize any command with a lock, or inspect a lock.",
    subcommands: [LockRun.self, LockStatusCommand.self]
  )
}
