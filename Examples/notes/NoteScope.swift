import ArgumentParser
import TandemCLI
import TandemState

/// Which notebook a command reads or writes: the instance's own (`--instance-id`), or the
/// shared one that every instance sees.
enum NoteScope: String, CaseIterable, Encodable, ExpressibleByArgument, Sendable {
  /// The notebook of the caller's instance.
  case instance
  /// The notebook shared by all instances.
  case shared

  /// The scope of a namespace.
  init(_ namespace: Namespace) {
    self = namespace == .shared ? .shared : .instance
  }

  /// The namespace `scope` names, or the caller's own when no scope is given: its
  /// instance's with an instance id, else the shared one.
  static func namespace(_ scope: NoteScope?, in context: CommandContext) throws -> Namespace {
    switch scope {
    case nil: return context.options.namespace
    case .shared: return .shared
    case .instance:
      guard let id = context.options.instanceID else {
        throw CommandFailure.usage(
          "--scope instance needs an instance: pass \(context.optionNames.flag(.instanceID)) ID")
      }
      return .instance(id)
    }
  }
}
