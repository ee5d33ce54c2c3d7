import Foundation
import TandemTestSupport
import Testing

/// A temporary home and shorthands to run `tandem` against it.
struct Home {
  let directory = TemporaryDirectory("tandem-e2e")
  var path: String { directory.appending("home") }

  /// `tandem --home HOME ARGS...`
  func args(_ arguments: [String], instance: String? = nil, json: Bool = true) -> [String] {
    ["--home", path] + (instance.map { ["--instance-id", $0] } ?? []) + (json ? ["--output", "json"] : [])
      + arguments
  }

  @discardableResult
  func run(_ arguments: [String], instance: String? = nil, json: Bool = true) throws -> TandemBinary.Result {
    try TandemBinary.run(args(arguments, instance: instance, json: json))
  }

  func start(_ arguments: [String], instance: String? = nil, json: Bool = true) throws -> TandemBinary.Running
  {
    try TandemBinary.start(args(arguments, instance: instance, json: json))
  }

  /// The shared document's values, read through the tool (all of them: `--limit 0`).
  func values(instance: String? = nil, scope: String? = nil) throws -> [String: String] {
    let result = try run(
      ["config", "list", "--limit", "0"] + (scope.map { ["--scope", $0] } ?? []), instance: instance)
    #expect(result.status == 0, "config list failed: \(result.standardOutput) \(result.standardError)")
    let entries = (result.data?["entries"] as? [[String: Any]]) ?? []
    var values: [String: String] = [:]
    for entry in entries { values[entry["key"] as! String] = entry["value"] as? String }
    return values
  }

  /// Waits (bounded) until `tandem lock status` reports the lock held.
  func waitUntilHeld(name: String? = nil, instance: String? = nil) throws -> Bool {
    for _ in 0..<300 {
      let status = try run(["lock", "status"] + (name.map { ["--name", $0] } ?? []), instance: instance)
      if status.data?["held"] as? Bool == true, status.data?["holder"] is [String: Any] { return true }
      usleep(10_000)
    }
    return false
  }

  /// Runs a shell loop of `tandem` calls as one "agent" process.
  func agent(_ script: String) throws -> TandemBinary.Running {
    try TandemBinary.startProgram(
      "/bin/sh", ["-c", script, "agent", TandemBinary.path, path], environment: [:])
  }
}

func isProcessAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }
