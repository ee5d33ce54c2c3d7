package import TandemState

/// The CLI Agent Spec response envelope: the one JSON document a command prints in JSON
/// mode, success or failure.
///
/// `ok`, `data`, `error`, `warnings` and `meta` are always present; `ok` is true exactly
/// when the exit code is 0, `data` is null on failure and `error` null on success.
package enum ResponseEnvelope {
  /// The envelope schema version in `meta.schema_version`.
  package static let schemaVersion = "1.0"

  /// The envelope of a successful command.
  package static func success(data: JSONValue, warnings: [String], meta: [(String, JSONValue)]) -> JSONValue {
    .object([
      ("ok", .bool(true)),
      ("data", data),
      ("error", .null),
      ("warnings", .array(warnings.map(JSONValue.string))),
      ("meta", .object(meta)),
    ])
  }

  /// The envelope of a failed command.
  package static func failure(_ failure: CommandFailure, warnings: [String], meta: [(String, JSONValue)])
    -> JSONValue
  {
    .object([
      ("ok", .bool(false)),
      ("data", .null),
      ("error", failure.json),
      ("warnings", .array(warnings.map(JSONValue.string))),
      ("meta", .object(meta)),
    ])
  }

  /// The `meta` object: duration, request id, schema version, the tool's version, and the
  /// instance id and command when there are.
  package static func meta(_ invocation: Invocation, instanceID: String?, command: String?) -> [(
    String, JSONValue
  )] {
    var members: [(String, JSONValue)] = [
      ("duration_ms", .integer(invocation.elapsedMilliseconds)),
      ("request_id", .string(invocation.requestID)),
      ("schema_version", .string(schemaVersion)),
    ]
    if let version = invocation.version { members.append(("version", .string(version))) }
    if let instanceID { members.append(("instance_id", .string(instanceID))) }
    if let command { members.append(("command", .string(command))) }
    return members
  }
}
