import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

@Suite("Instance namespaces")
struct InstanceRegistryTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }
  var intent: LockIntent { LockIntent(instanceID: nil, command: "test") }

  @Test("list shows instances with their last write; remove deletes one")
  func listAndRemove() throws {
    for id in ["b", "a"] {
      try ConfigStore(home: home, namespace: .instance(try InstanceID(id))).update { $0["k"] = id }
    }
    let registry = InstanceRegistry(home: home)
    #expect(try registry.list().map(\.id) == ["a", "b"])
    #expect(try registry.list().allSatisfy { $0.lastWriteMilliseconds != nil })
    try registry.remove(try InstanceID("a"), intent: intent)
    #expect(try registry.list().map(\.id) == ["b"])
    // `.retired` keeps the removed namespace's last revisions (see RetiredRevisions).
    #expect(directory.entries("home/instances").filter { !$0.hasPrefix(".") } == ["b"])
    let error = try #require(throws: StateError.self) {
      try registry.remove(try InstanceID("a"), intent: intent)
    }
    #expect(error.code == .notFound)
  }

  @Test("a writer waiting during a removal writes into a fresh namespace, not the removed one")
  func writerDuringRemoval() throws {
    let id = try InstanceID("victim")
    let store = ConfigStore(home: home, namespace: .instance(id))
    try store.update { $0["old"] = "1" }
    let holding = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    // Hold the instance lock on another thread, so that both the remover and the writer wait.
    let holder = Thread {
      let lock = try! store.acquireLock(intent: LockIntent(instanceID: "victim", command: "holder"))
      holding.signal()
      release.wait()
      lock.release()
    }
    holder.start()
    holding.wait()
    let removed = DispatchSemaphore(value: 0)
    Thread {
      try! InstanceRegistry(home: home).remove(id, intent: intent)
      removed.signal()
    }.start()
    usleep(100_000)
    release.signal()
    removed.wait()
    try store.update { $0["new"] = "2" }
    #expect(try store.read().values == ["new": "2"])
  }
}
