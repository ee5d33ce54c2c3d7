import Foundation
import TandemState
import TandemTestSupport
import Testing

@Suite("notes under concurrent processes")
struct ConcurrencyTests {
  @Test("24 concurrent adds: every note lands once, each add sees all the adds before it")
  func noLostUpdates() throws {
    let home = NotesHome()
    let count = 24
    // A long lock timeout: on a loaded machine the last of 24 writers may wait a while, and
    // this test is about lost updates, not about timeouts.
    let results = try BuiltProduct.notes.runTogether(
      (1...count).map { home.args(["--lock-timeout", "60s", "add", "note-\($0)"]) })

    var byRevision: [Int: (id: Int, previous: Int)] = [:]
    for result in results {
      #expect(result.status == 0, "\(result.standardOutput) \(result.standardError)")
      guard let data = result.data, let id = data["id"] as? Int, let revision = data["revision"] as? Int,
        let previous = data["previous_revision"] as? Int
      else { continue }
      #expect(byRevision[revision] == nil, "two adds committed revision \(revision)")
      byRevision[revision] = (id, previous)
    }
    // Revisions 1...24, each built on the one before: the read-modify-writes were serialized.
    #expect(byRevision.keys.sorted() == Array(1...count))
    for (revision, add) in byRevision {
      #expect(add.previous == revision - 1)
      // The number is read under the lock: the add that made revision r found r - 1 notes.
      #expect(add.id == revision, "the add at revision \(revision) numbered its note \(add.id)")
    }

    let listed = try home.notes()
    #expect(listed.map(\.id) == Array(1...count))
    #expect(Set(listed.map(\.text)) == Set((1...count).map { "note-\($0)" }))
  }

  @Test("another notes process holds the export lock: --lock-timeout 0 exits 6 with retry_after_ms")
  func lockTimeout() throws {
    let home = NotesHome()
    try home.run(["add", "first"])
    let holding = home.directory.appending("holding.md")
    let refused = home.directory.appending("refused.md")
    let holder = try home.start(["export", "--output", holding, "--hold", "3s"])
    #expect(try home.waitUntilHeld(lock: "export"))

    let result = try home.run(["--lock-timeout", "0", "export", "--output", refused])
    #expect(result.status == 6, "\(result.standardOutput) \(result.standardError)")
    #expect(result.errorCode == "CONCURRENT_MODIFICATION")
    let error = try #require(result.error)
    #expect(error["reason"] as? String == "lock_timeout")
    #expect(error["retryable"] as? Bool == true)
    let retryAfter = try #require(error["retry_after_ms"] as? Int)
    #expect(retryAfter >= 0)
    let holderRecord = try #require(error["holder"] as? [String: Any])
    #expect(holderRecord["pid"] as? Int == Int(holder.pid))
    #expect((holderRecord["command"] as? String)?.hasPrefix("notes export") == true)
    // In the tool's own words: its option and its variable.
    #expect((error["suggestion"] as? String)?.contains("--lock-timeout (NOTES_LOCK_TIMEOUT)") == true)
    #expect(!FileManager.default.fileExists(atPath: refused), "a refused export wrote its file")

    let held = holder.wait()
    #expect(held.status == 0, "\(held.standardOutput) \(held.standardError)")
    // The holder awaited its hold with the lock taken: the asynchronous command ran.
    #expect((held.data?["held_ms"] as? Int ?? 0) >= 3000)
    #expect(FileManager.default.fileExists(atPath: holding))
  }

  @Test(
    "SIGINT or SIGTERM while the async command waits for its lock: the wait ends at once, exit 128 + signal, nothing written",
    arguments: [SIGINT, SIGTERM])
  func signalDuringAsyncWait(signal: Int32) throws {
    let home = NotesHome()
    try home.run(["add", "first"])
    let holding = home.directory.appending("holding.md")
    let waiting = home.directory.appending("waiting.md")
    let holder = try home.start(["export", "--output", holding, "--hold", "4s"])
    #expect(try home.waitUntilHeld(lock: "export"))
    let waiter = try home.start(["--lock-timeout", "30s", "export", "--output", waiting])
    usleep(300_000)  // well inside the wait
    let sent = ContinuousClock.now
    kill(waiter.pid, signal)
    let result = waiter.wait()
    #expect(ContinuousClock.now - sent < .seconds(2), "the wait did not end at the signal")
    #expect(result.status == 128 + signal, "\(result.standardOutput) \(result.standardError)")
    #expect(result.errorCode == "INTERRUPTED")
    #expect(result.error?["signal"] as? String == (signal == SIGINT ? "SIGINT" : "SIGTERM"))
    #expect(!FileManager.default.fileExists(atPath: waiting), "an interrupted export wrote its file")
    // The holder was not disturbed and still finishes its export.
    #expect(holder.wait().status == 0)
    #expect(FileManager.default.fileExists(atPath: holding))
  }

  @Test("a held notebook lock: add waits up to --lock-timeout, then exits 6 having written nothing")
  func notebookLockTimeout() throws {
    let home = NotesHome()
    try home.run(["add", "first"])
    let store = ConfigStore(
      home: StateHome(path: home.path, tool: .notes), namespace: .shared, fileName: "notes.json")
    let lock = try store.acquireLock(intent: LockIntent(instanceID: nil, command: "test holder"))
    let result = try home.run(["--lock-timeout", "200ms", "add", "second"])
    lock.release()
    #expect(result.status == 6, "\(result.standardOutput) \(result.standardError)")
    #expect(result.error?["reason"] as? String == "lock_timeout")
    #expect(result.error?["retry_after_ms"] is Int)
    #expect(try home.notes().map(\.text) == ["first"])
    #expect(try home.run(["--lock-timeout", "0", "add", "second"]).status == 0)
  }
}
