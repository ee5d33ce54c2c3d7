import TandemCLI
import TandemState

/// The warning against an agent's commonest mistake with shared state: writing the shared
/// document, which every agent reads, when it meant its own namespace.
enum SharedWriteWarning {
  /// Adds the warning when a write to the shared document at `path` was chosen by default
  /// (no instance id, no `--scope shared`) in a home that holds instance namespaces, where
  /// other agents read what was written. A single user with no instances is never warned.
  /// Costs one read of `instances/` at most.
  static func check(path: String, dryRun: Bool, in context: CommandContext) {
    guard InstanceRegistry(home: context.options.home).hasInstances() else { return }
    let flag = context.optionNames.flag(.instanceID)
    let variable = context.optionNames.environmentVariable(.instanceID, tool: context.tool)
    context.warn(
      "\(dryRun ? "would write" : "wrote") the shared document \(path), which every agent reads, in a home "
        + "with instance namespaces: pass \(flag) ID (or set \(variable)) to write your own namespace, "
        + "or --scope shared to write the shared document on purpose")
  }
}
