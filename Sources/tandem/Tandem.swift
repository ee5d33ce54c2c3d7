import ArgumentParser

/// The reference tool: shared state for agents that run in parallel, built only on the
/// public API of TandemState and TandemCLI.
struct Tandem: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tandem",
    abstract: "Agent-safe configuration and locks for command-line tools.",
    discussion: """
      Every write is serialized by a kernel lock with a timeout and lands by atomic rename. \
      A write that cannot proceed exits 6 (CONCURRENT_MODIFICATION) with retry_after_ms; \
      nothing is ever silently overwritten. Global options, before or after the subcommand: \
      --home DIR (TANDEM_HOME, default ~/.tandem), --instance-id ID (TANDEM_INSTANCE_ID), \
      --lock-timeout D (TANDEM_LOCK_TIMEOUT, default 5s), --output text|json (TANDEM_OUTPUT). \
      Exit codes follow the CLI Agent Spec; 6 is a conflict with retry_after_ms. Start with \
      `tandem demo`.
      """,
    version: "0.1.0",
    subcommands: [
      ConfigCommand.self, LockCommand.self, InstancesCommand.self, AuthCommand.self, DemoCommand.self,
    ]
  )
}
