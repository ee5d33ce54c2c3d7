import Foundation
import TandemCLI
import TandemTestSupport
import Testing

@testable import TandemCommands

@Suite("The hand-parsed fast path agrees with swift-argument-parser", .serialized)
struct FastPathTests {
  /// Command lines in the fast routes' grammar, and some just outside it.
  static let commandLines: [[String]] = [
    ["config", "set", "a=1"], ["config", "set", "a=1", "b=2", "--if-revision", "1"],
    ["config", "set", "--scope=shared", "c=3"],
    ["config", "set", "--if-revision", "999", "a=2"], ["config", "set", "--if-revision", "x", "a=2"],
    ["config", "set", "--if-revision", "-1", "a=2"], ["config", "set"], ["config", "set", "novalue"],
    ["config", "set", "bad key=1"], ["config", "set", "--", "a=--b"], ["config", "set", "a=1", "a=2"],
    ["config", "get", "a"], ["config", "get", "missing"], ["config", "get"], ["config", "get", "a", "b"],
    ["config", "get", "--scope", "instance", "a"], ["config", "get", "a", "--scope", "bogus"],
    ["config", "unset", "b"], ["config", "unset", "missing"], ["config", "unset", "--if-revision", "0", "a"],
    ["config", "list"], ["config", "list", "--scope", "shared"], ["config", "list", "extra"],
    ["config", "list", "--limit", "1"], ["config", "list", "--limit=0", "--scope", "shared"],
    ["config", "list", "--limit", "1", "--cursor", "MTpjb25maWcgbGlzdDph"],
    ["config", "list", "--cursor", "bogus"],
    ["config", "list", "--limit=-1"], ["config", "list", "--limit", "x"], ["config", "list", "--cursor"],
    ["lock", "status"], ["lock", "status", "--name", "n1"], ["lock", "status", "--name", "../x"],
    ["config", "set", "--unknown", "a=1"], ["config", "get", "-h"],
    // No account in these homes: the same errors either way.
    ["auth", "token"], ["auth", "token", "--account", "nobody"], ["auth", "token", "--account", "../x"],
    ["auth", "token", "--min-ttl", "x"], ["auth", "token", "--min-ttl=-1s"], ["auth", "token", "extra"],
    ["auth", "token", "--account", "a", "--account", "b"],
    // `--opt=` with nothing after it is a missing value to the parser, not an empty value.
    ["auth", "token", "--account="], ["auth", "token", "--min-ttl="], ["config", "get", "--scope=", "a"],
    ["config", "list", "--cursor="], ["lock", "status", "--name="],
    ["auth", "token", "--min-ttl=0"], ["auth", "token", "--min-ttl=0", "--min-ttl=0"],
    ["auth", "token", "--", "--account", "x"], ["auth", "token", "--"], ["auth", "token", "--account=x=y"],
    ["auth", "token", "--account", "-x"], ["auth", "token", "--account=--min-ttl"],
  ]

  @Test("same exit code and same envelope (but for timing) on both paths")
  func agree() throws {
    let fast = Home()
    let full = Home()
    for (index, line) in Self.commandLines.enumerated() {
      let instance = index % 3 == 0 ? "agent-\(index % 2)" : nil
      let a = try TandemBinary.run(fast.args(line, instance: instance))
      let b = try TandemBinary.run(
        full.args(line, instance: instance), environment: ["TANDEM_FAST_PATH": "0"])
      #expect(a.status == b.status, "\(line): \(a.status) vs \(b.status)")
      #expect(normalize(a.standardOutput, fast.path) == normalize(b.standardOutput, full.path), "\(line)")
    }
  }

  /// The lines each route must take itself (the rest are just outside the grammar, or are
  /// declined, and go to swift-argument-parser).
  static let fastLines: [([String], String)] = [
    (["config", "set", "a=1"], "config set"),
    (["config", "set", "a=1", "b=2", "--if-revision", "1"], "config set"),
    (["config", "set", "--scope=shared", "c=3"], "config set"), (["config", "get", "a"], "config get"),
    (["config", "get", "--scope", "instance", "a"], "config get"),
    (["config", "unset", "b"], "config unset"),
    (["config", "list"], "config list"),
    (["config", "list", "--limit", "1", "--cursor", "MTpjb25maWcgbGlzdDph"], "config list"),
    (["lock", "status", "--name", "n1"], "lock status"),
    (["auth", "token"], "auth token"),
    (["auth", "token", "--account", "ci", "--min-ttl", "5m"], "auth token"),
  ]

  @Test("auth token: the same token and envelope from the route and from the parser, refreshed once")
  func authToken() throws {
    let home = Home()
    let helper = home.directory.appending("helper.sh")
    let count = home.directory.appending("refreshes")
    try "#!/bin/sh\necho x >> '\(count)'\necho '{\"access_token\":\"at-1\",\"expires_in\":3600}'\n"
      .write(toFile: helper, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: helper)
    let refreshToken = home.directory.appending("refresh-token")
    try "rt\n".write(toFile: refreshToken, atomically: true, encoding: .utf8)
    let login = try TandemBinary.run(
      home.args(["auth", "login", "--account", "ci", "--refresh-command", helper]), input: refreshToken)
    #expect(login.status == 0, "\(login.standardError)")
    // The first call refreshes; the route and the parser then both find the token valid.
    let first = try TandemBinary.run(home.args(["auth", "token"]))
    #expect(
      first.status == 0 && first.standardOutput.contains("\"refreshed\":true"), "\(first.standardOutput)")
    for line in [["auth", "token"], ["auth", "token", "--account", "ci", "--min-ttl", "5m"]] {
      let a = try TandemBinary.run(home.args(line))
      let b = try TandemBinary.run(home.args(line), environment: ["TANDEM_FAST_PATH": "0"])
      #expect(a.status == 0 && b.status == 0, "\(line): \(a.standardError) \(b.standardError)")
      #expect(normalize(a.standardOutput, home.path) == normalize(b.standardOutput, home.path), "\(line)")
      #expect(a.standardOutput.contains("at-1"))
    }
    // One refresh among five calls.
    #expect(try String(contentsOfFile: count, encoding: .utf8) == "x\n")
  }

  @Test("the routes are taken: each line in a route's grammar is answered by that route")
  func routesTaken() async throws {
    let home = Home()
    let environment = ["HOME": home.directory.path]
    for (line, route) in Self.fastLines {
      let response = await CommandLineTool.invoke(
        Tandem.self, arguments: home.args(line, instance: "agent-1"), environment: environment)
      #expect(response.route == .fast(route), "\(line): \(response.route)")
    }
    // Outside the grammar, and with the fast path switched off: the full parser.
    let outside = await CommandLineTool.invoke(
      Tandem.self, arguments: home.args(["config", "set", "--unknown", "a=1"]), environment: environment)
    #expect(outside.route == .parser)
    let off = await CommandLineTool.invoke(
      Tandem.self, arguments: home.args(["config", "get", "a"]),
      environment: environment.merging(["TANDEM_FAST_PATH": "0"]) { $1 })
    #expect(off.route == .parser)
  }

  /// The envelope without its timing and with the home path made neutral.
  private func normalize(_ text: String, _ home: String) -> String {
    guard var object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
      return text
    }
    var meta = object["meta"] as? [String: Any] ?? [:]
    meta["duration_ms"] = nil
    meta["request_id"] = nil
    object["meta"] = meta
    if var data = object["data"] as? [String: Any] {
      // When a key was written differs between the two homes; whether it is known does not.
      if data["written_at"] is String { data["written_at"] = "TIME" }
      if let entries = data["entries"] as? [[String: Any]] {
        data["entries"] = entries.map { entry in
          var entry = entry
          if entry["written_at"] is String { entry["written_at"] = "TIME" }
          return entry
        }
      }
      data["waited_ms"] = nil
      data["typical_hold_ms"] = nil
      if var holder = data["holder"] as? [String: Any] { holder["held_ms"] = nil; data["holder"] = holder }
      object["data"] = data
    }
    if var error = object["error"] as? [String: Any] {
      error["retry_after_ms"] = nil
      object["error"] = error
    }
    let encoded = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    return String(decoding: encoded, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
      .replacingOccurrences(of: home, with: "HOME")
  }
}
