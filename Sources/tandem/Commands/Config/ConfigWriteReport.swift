import TandemCLI
import TandemState

/// What a write answers, shared by `config set` and `config unset`.
///
/// Its JSON is built by hand rather than encoded from an `Encodable` value: `config set` is
/// the hottest write, and the encoder's first use costs it about 300,000 instructions (40%
/// of the call) in runtime conformance lookups (docs/benchmarks.md). `config unset` answers
/// in the same shape, so it shares this.
struct ConfigWriteReport {
  let target: ConfigTarget
  let update: ConfigUpdate<Void>
  let keys: [String]
  /// What the text says was done: `set` or `unset`.
  let verb: String

  var output: CommandOutput {
    let document = update.document
    let data: JSONValue = .object([
      ("scope", .string(target.scope.rawValue)),
      ("instance_id", .optional(target.store.namespace.instanceID?.rawValue)),
      ("keys", .array(keys.map(JSONValue.string))),
      ("changed", .bool(update.changed)),
      ("revision", .integer(Int64(document.revision))),
      ("previous_revision", .integer(Int64(update.previousRevision))),
      ("path", .string(target.store.path)),
      ("waited_ms", .integer(update.waitedMilliseconds)),
    ])
    return CommandOutput(
      data: data,
      text:
        "\(verb) \(keys.joined(with: ", ")) (\(target.scope.rawValue), revision \(document.revision))")
  }
}
