import Foundation
import Synchronization
import TandemPostgres
import TandemState
import TandemTestSupport
import Testing

/// What the PostgreSQL store adds to the shared contract: holders named across hosts,
/// revisions that never repeat, the tables created once by agents starting together.
@Suite("The PostgreSQL store's own guarantees", .needsPostgres)
struct PostgresGuaranteeTests {
  static let executor = ThreadExecutor()

  @Test("a lock timeout names the holder: its host, pid, instance id and command, and how long it has held")
  func holderAcrossHosts() throws {
    let tool = TestDatabase.freshTool()
    var hostA = TestDatabase.clientEnvironment
    hostA[tool.environmentVariable("HOST")] = "build-runner-7"
    let holderBackend = try PostgresBackend(
      url: try TestDatabase.requireURL(), tool: tool, environment: hostA)
    let waiterBackend = try TestDatabase.backend(tool: tool)
    let held = try holderBackend.store(.shared).acquireLock(
      timeout: .seconds(5),
      intent: LockIntent(instanceID: "agent-a", command: "tandem lock run -- make deploy"))
    defer { held.release() }
    usleep(30_000)

    let status = try waiterBackend.store(.shared).lockStatus()
    #expect(status.isHeld)
    #expect(status.holder?.host == "build-runner-7")
    #expect(status.holder?.pid == getpid())
    #expect(status.holder?.instanceID == "agent-a")
    #expect(status.holder?.command == "tandem lock run -- make deploy")
    #expect((status.holder?.heldMillisecondsNow ?? -1) >= 20)

    let started = ContinuousClock.now
    let error = #expect(throws: StateError.self) {
      try waiterBackend.store(.shared).update(
        timeout: LockTimeout(milliseconds: 300), ifRevision: nil,
        intent: LockIntent(instanceID: "b", command: "set")
      ) { $0.set([(key: "k", value: "v")]) }
    }
    let waited = ContinuousClock.now - started
    #expect(error?.code == .concurrentModification && error?.conflictReason == .lockTimeout)
    #expect(error?.holder?.host == "build-runner-7" && error?.holder?.instanceID == "agent-a")
    #expect((error?.retryAfterMilliseconds ?? 0) > 0)
    #expect(error?.message.contains("build-runner-7") == true, "\(error?.message ?? "")")
    // The server's lock_timeout ended the wait: not before it, and not much after.
    #expect(waited >= .milliseconds(290) && waited < .seconds(10), "\(waited)")
    #expect(try waiterBackend.store(.shared).read().revision == 0, "nothing was written")

    // A zero timeout tries once.
    let once = #expect(throws: StateError.self) {
      try waiterBackend.store(.shared).update(
        timeout: LockTimeout(milliseconds: 0), ifRevision: nil, intent: nil
      ) {
        $0.set([(key: "k", value: "v")])
      }
    }
    #expect(once?.conflictReason == .lockTimeout)
  }

  @Test("a released or abandoned lock is free: release, and a holder's session ended by the server")
  func releaseAndTermination() async throws {
    let backend = try TestDatabase.backend()
    let lock = try backend.lock(named: "deploy")
    let first = try await lock.acquire(
      timeout: .seconds(5), intent: LockIntent(instanceID: nil, command: "one"))
    first.release()
    first.release()
    let second = try await lock.acquire(
      timeout: .seconds(1), intent: LockIntent(instanceID: nil, command: "two"))
    // The holder's connection is killed on the server (pg_terminate_backend): a waiter
    // gets the lock at once, without waiting for its timeout.
    // On a thread of its own: a blocked thread of the cooperative pool would time the pool.
    let waiter = Task(executorPreference: Self.executor) { () throws -> Duration in
      let started = ContinuousClock.now
      let got = try lock.acquire(
        timeout: .seconds(30), intent: LockIntent(instanceID: nil, command: "waiter"))
      got.release()
      return ContinuousClock.now - started
    }
    try await Task.sleep(for: .milliseconds(200))
    #expect(try lock.status().isHeld)
    let terminated = ContinuousClock.now
    let answer = try backend.run(sql: "SELECT pg_terminate_backend(\(second.sessionProcessID))::text")
    #expect(answer == ["true"])
    let waited = try await waiter.value
    // Well under the waiter's 30 s timeout (a loaded machine took 5 s once; the release
    // itself is immediate on the server).
    #expect(
      ContinuousClock.now - terminated < .seconds(15), "the waiter got the lock \(waited) after it asked")
    second.release()
    #expect(try !lock.status().isHeld)
  }

  @Test("revisions never repeat: a repaired document goes on from the next revision")
  func noABA() throws {
    let backend = try TestDatabase.backend()
    let store = backend.store(.instance(try InstanceID("agent-1")))
    for index in 1...3 {
      try store.update(timeout: .seconds(5), ifRevision: nil, intent: nil) {
        $0.set([(key: "k", value: "\(index)")])
      }
    }
    // Damaged by hand, as a person with psql could.
    _ = try backend.run(
      sql:
        "UPDATE tandem_documents SET body = '{not json' WHERE tool = '\(backend.tool.name)' AND namespace = 'instances/agent-1'"
    )
    let corrupt = #expect(throws: StateError.self) { try store.read() }
    #expect(corrupt?.code == .stateCorrupt)
    let writeOverCorrupt = #expect(throws: StateError.self) {
      try store.update(timeout: .seconds(5), ifRevision: nil, intent: nil) {
        $0.set([(key: "k", value: "x")])
      }
    }
    #expect(writeOverCorrupt?.code == .stateCorrupt, "a corrupt document is never overwritten")
    let outcome = try store.repair(
      timeout: .seconds(5), intent: LockIntent(instanceID: nil, command: "repair"))
    #expect(outcome.movedTo != nil && outcome.reason != nil)
    let repaired = try store.read()
    #expect(repaired.count == 0 && repaired.revision == 4)
    let refused = #expect(throws: StateError.self) {
      try store.update(timeout: .seconds(5), ifRevision: 3, intent: nil) {
        $0.set([(key: "k", value: "late")])
      }
    }
    #expect(
      refused?.conflictReason == .revisionMismatch,
      "a writer that read revision 3 before the repair is refused")
    let next = try store.update(timeout: .seconds(5), ifRevision: 4, intent: nil) {
      $0.set([(key: "k", value: "new")])
    }
    #expect(next.document.revision == 5)
    let aside = try backend.run(
      sql: "SELECT body FROM tandem_documents_aside WHERE tool = '\(backend.tool.name)' AND revision = 3")
    #expect(aside == ["{not json"], "the damaged body is kept aside")
  }

  @Test("limits hold as on the file store: keys, values and the document size")
  func limits() throws {
    let store = try TestDatabase.backend().store(.shared)
    let badKey = #expect(throws: StateError.self) {
      try store.update(timeout: .seconds(5), ifRevision: nil, intent: nil) { $0.set([(key: "", value: "v")]) }
    }
    #expect(badKey?.code == .invalidArgument)
    let big = String(repeating: "x", count: 1 << 20)
    let tooBig = #expect(throws: StateError.self) {
      try store.update(timeout: .seconds(30), ifRevision: nil, intent: nil) {
        $0.set((0..<5).map { (key: "k\($0)", value: big) })
      }
    }
    #expect(tooBig?.code == .limitExceeded || tooBig?.code == .invalidArgument)
    #expect(try store.read().revision == 0)
  }

  @Test("agents starting together on an empty database create the tables once, all of them succeeding")
  func schemaOnce() async throws {
    let admin = try TestDatabase.backend()
    let schema = "s" + String(UInt64.random(in: .min ... .max), radix: 36)
    _ = try admin.run(sql: "CREATE SCHEMA \(schema)")
    let tool = TestDatabase.freshTool()
    let results = await withTaskGroup(of: String?.self) { group in
      for index in 0..<8 {
        group.addTask {
          do {
            let backend = try TestDatabase.backend(tool: tool, query: "schema=\(schema)")
            try backend.store(.shared).update(timeout: .seconds(30), ifRevision: nil, intent: nil) {
              $0.set([(key: "agent\(index)", value: "1")])
            }
            return nil
          } catch {
            return "\(error)"
          }
        }
      }
      var failures: [String] = []
      for await result in group { if let result { failures.append(result) } }
      return failures
    }
    #expect(results.isEmpty, "\(results)")
    let version = try admin.run(sql: "SELECT version::text FROM \(schema).tandem_schema")
    #expect(version == ["2"])
    let count = try admin.run(
      sql: "SELECT revision::text FROM \(schema).tandem_documents WHERE tool = '\(tool.name)'")
    #expect(count == ["8"])
    let missing = #expect(throws: StateError.self) {
      try TestDatabase.backend(query: "schema=no_such_schema_here").store(.shared).read()
    }
    #expect(missing?.code == .setupRequired && missing?.message.contains("no_such_schema_here") == true)
  }
}
