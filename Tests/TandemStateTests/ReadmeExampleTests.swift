import Foundation
import TandemState
import TandemTestSupport
import Testing

@Suite("The README's example for tool authors")
struct ReadmeExampleTests {
  @Test("compiles and does what the README says")
  func example() throws {
    let directory = TemporaryDirectory()
    let home = try StateHome.resolve(tool: .tandem, explicit: nil, environment: ["HOME": directory.path])
    let store = ConfigStore(home: home, namespace: .instance(try InstanceID("agent-1")))
    try store.update(timeout: .seconds(5)) { document in
      document["region"] = "us-east-1"
    }
    let current = try store.read()
    try store.update(ifRevision: current.revision) { $0["region"] = "eu-west-1" }
    #expect(throws: StateError.self) {
      try store.update(ifRevision: current.revision) { $0["region"] = "late" }
    }
    #expect(try store.read()["region"] == "eu-west-1")
    let lock = try NamedLock(home: home, name: "deploy").acquire(
      timeout: LockTimeout(milliseconds: 2000), intent: LockIntent(instanceID: "agent-1", command: "deploy"))
    defer { lock.release() }
    #expect(try NamedLock(home: home, name: "deploy").status().isHeld)
  }
}
