import TandemState

#if canImport(Glibc)
  import Glibc
#endif

/// Who this process is, as other hosts see it in the server's activity view: the host, the
/// process id, and for each statement the instance id and command it runs for.
///
/// The host and pid go in the session's `application_name` (visible to every user of the
/// server); the instance id and command in a comment at the head of each statement, which
/// `pg_stat_activity.query` shows to users of the same role (and to members of
/// `pg_read_all_stats`). No value is ever in it: commands are recorded without values, as
/// the file store records them.
struct PostgresClientIdentity: Sendable {
  /// This host's name (or the identity the tool's `<PREFIX>_HOST` variable gives it).
  let host: String
  /// This process.
  let pid: Int32

  init(tool: ToolIdentity, environment: [String: String]) {
    if let given = environment[tool.environmentVariable("HOST")], !given.isEmpty {
      host = given
    } else {
      var buffer = [CChar](repeating: 0, count: 256)
      host =
        gethostname(&buffer, buffer.count) == 0
        ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
    }
    pid = getpid()
  }

  /// The session's `application_name`: at most 63 bytes, as the server keeps no more.
  var applicationName: String {
    var name = "tandem pid=\(pid) host=\(host)"
    while name.utf8.count > 63 { name.removeLast() }
    return name
  }

  /// The comment that marks a statement as run for `intent`. `/` is written `\/` (valid
  /// JSON) so that the text can never close the comment.
  static func comment(for intent: LockIntent?) -> String {
    guard let intent else { return "" }
    var fields: [(String, JSONValue)] = [("command", .string(String(intent.command.prefix(400))))]
    if let id = intent.instanceID { fields.append(("instance_id", .string(id))) }
    let json = JSONWriter.compact(.object(fields)).replacingSlashes()
    return "/* tandem \(json) */ "
  }

  /// The holder a session's activity row describes.
  static func holder(
    applicationName: String, query: String, acquiredAtMilliseconds: Int64
  ) -> LockHolder {
    var pid: Int32 = 0
    var host: String?
    for field in applicationName.split(separator: " ") {
      if field.hasPrefix("pid=") { pid = Int32(field.dropFirst(4)) ?? 0 }
      if field.hasPrefix("host=") { host = String(field.dropFirst(5)) }
    }
    var command = "unknown (the holder's statements are not visible to this user)"
    var instance: String?
    let bytes = Array(query.utf8)
    if query.hasPrefix("/* tandem "),
      let end = (10..<max(10, bytes.count - 2)).first(where: {
        bytes[$0] == UInt8(ascii: " ") && bytes[$0 + 1] == UInt8(ascii: "*")
          && bytes[$0 + 2] == UInt8(ascii: "/")
      })
    {
      if let json = try? JSONParser.parse(Array(bytes[10..<end])) {
        command = json["command"]?.stringValue ?? command
        instance = json["instance_id"]?.stringValue
      }
    } else if applicationName.hasPrefix("tandem ") {
      command = "a tandem statement"
    }
    return LockHolder(
      pid: pid, instanceID: instance, command: command, acquiredAtMilliseconds: acquiredAtMilliseconds,
      host: host)
  }
}

extension String {
  fileprivate func replacingSlashes() -> String {
    var out = ""
    out.reserveCapacity(utf8.count)
    for character in self {
      if character == "/" { out += "\\/" } else { out.append(character) }
    }
    return out
  }
}
