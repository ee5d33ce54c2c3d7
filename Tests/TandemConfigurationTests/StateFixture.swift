import TandemState
import TandemTestSupport
import Testing

/// A temporary state home, written in this process (through ``ConfigStore``) or by the
/// built `tandem` binary as another process.
struct StateFixture {
  let directory = TemporaryDirectory("tandem-configuration")
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }

  /// Sets values in the shared document, or in `instance`'s, in one transaction.
  func set(_ values: [String: String], instance: String? = nil) throws {
    let namespace: Namespace = try instance.map { .instance(try InstanceID($0)) } ?? .shared
    try ConfigStore(home: home, namespace: namespace).update { document in
      for (key, value) in values { document[key] = value }
    }
  }

  /// `tandem --home HOME [--instance-id ID] --output json ARGS...`, run to the end as another
  /// process; records a test failure unless it exits 0.
  @discardableResult
  func tandem(_ arguments: [String], instance: String? = nil) throws -> TandemBinary.Result {
    let result = try TandemBinary.run(
      ["--home", home.path] + (instance.map { ["--instance-id", $0] } ?? []) + ["--output", "json"]
        + arguments)
    #expect(
      result.status == 0, "tandem \(arguments) failed: \(result.standardOutput) \(result.standardError)")
    return result
  }
}
