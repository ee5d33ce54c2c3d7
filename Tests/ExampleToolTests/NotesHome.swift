import Foundation
import TandemState
import TandemTestSupport
import Testing

/// A temporary home for `notes`, and shorthands to run it there.
struct NotesHome {
  let directory = TemporaryDirectory("notes-e2e")
  /// The home given with `--home`.
  var path: String { directory.appending("home") }

  /// `notes --home HOME [--instance-id ID] [--format json] ARGS...`
  func args(_ arguments: [String], instance: String? = nil, json: Bool = true) -> [String] {
    ["--home", path] + (instance.map { ["--instance-id", $0] } ?? []) + (json ? ["--format", "json"] : [])
      + arguments
  }

  @discardableResult
  func run(
    _ arguments: [String], instance: String? = nil, json: Bool = true, environment: [String: String] = [:]
  )
    throws -> BuiltProduct.Result
  {
    try BuiltProduct.notes.run(args(arguments, instance: instance, json: json), environment: environment)
  }

  func start(_ arguments: [String], instance: String? = nil, json: Bool = true) throws -> BuiltProduct.Running
  {
    try BuiltProduct.notes.start(args(arguments, instance: instance, json: json))
  }

  /// The notes `notes list` shows, as (scope, id, text).
  func notes(instance: String? = nil, scope: String? = nil) throws -> [Listed] {
    let result = try run(["list"] + (scope.map { ["--scope", $0] } ?? []), instance: instance)
    #expect(result.status == 0, "list failed: \(result.standardOutput) \(result.standardError)")
    return ((result.data?["notes"] as? [[String: Any]]) ?? []).map {
      Listed(
        scope: $0["scope"] as? String ?? "?", id: $0["id"] as? Int ?? -1, text: $0["text"] as? String ?? "")
    }
  }

  /// Waits (bounded) until the named lock `name` of this home is held by some process.
  func waitUntilHeld(lock name: String) throws -> Bool {
    let lock = try NamedLock(home: StateHome(path: path, tool: .notes), name: name)
    for _ in 0..<1000 {
      if try lock.status().isHeld { return true }
      usleep(10_000)
    }
    return false
  }
}

/// One note as `notes list` shows it.
struct Listed: Equatable, CustomStringConvertible {
  var scope: String
  var id: Int
  var text: String
  var description: String { "\(scope) \(id) \(text)" }
}

extension ToolIdentity {
  /// The example tool's identity, as Examples/notes/Notes.swift declares it.
  static let notes = ToolIdentity(name: "notes", environmentPrefix: "NOTES", home: .platformDefault)
}
