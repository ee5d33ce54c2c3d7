import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

/// The edges of "no acknowledged write is lost": lock files replaced by hand, revisions
/// that must never name two documents, numbers at Int64's limits in state files.
@Suite("Write safety at the edges")
struct WriteSafetyTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }
  var intent: LockIntent { LockIntent(instanceID: nil, command: "test") }

  @Test("a lock file replaced while held: the holder's write is refused, the other writer's kept")
  func lockFileReplaced() throws {
    let store = ConfigStore(home: home)
    try store.update { $0["seed"] = "1" }
    let error = try #require(throws: StateError.self) {
      try store.update { document in
        document["first"] = "1"
        // Someone removes the lock file by hand; a second writer creates a new one, locks
        // it (nothing excludes it now) and its write is acknowledged.
        unlink(directory.appending("home/config.json.lock"))
        // On another thread: this thread's own nested use would not wait for any lock.
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
          _ = try? store.update(timeout: .seconds(2)) { $0["second"] = "2" }
          done.signal()
        }
        done.wait()
      }
    }
    #expect(error.code == .concurrentModification)
    #expect(error.conflictReason == .lockReplaced)
    // The acknowledged write survives; the refused one was never applied.
    let values = try store.read().values
    #expect(values["second"] == "2")
    #expect(values["first"] == nil)
    #expect(directory.entries("home").filter { $0.contains(".tmp-") }.isEmpty)
  }

  @Test("a document deleted by hand continues above its old revision")
  func deletedDocumentKeepsRevisions() throws {
    let store = ConfigStore(home: home)
    try store.update { $0["a"] = "1" }
    try store.update { $0["a"] = "2" }
    unlink(directory.appending("home/config.json"))
    // A stale writer that read revision 1 or 2 must not match the new document.
    for stale: UInt64 in [1, 2] {
      let error = try #require(throws: StateError.self) {
        try store.update(ifRevision: stale) { $0["a"] = "x" }
      }
      #expect(error.conflictReason == .revisionMismatch)
    }
    let next = try store.update { $0["b"] = "1" }
    #expect(next.document.revision == 3)
    #expect(try store.read().values == ["b": "1"])
  }

  @Test("after config repair, revisions continue above the corrupt document's namespace history")
  func repairKeepsRevisions() throws {
    let store = ConfigStore(home: home)
    for value in ["1", "2", "3"] { try store.update { $0["a"] = value } }
    try Data("{".utf8).write(to: URL(fileURLWithPath: directory.appending("home/config.json")))
    let outcome = try store.repair(intent: intent)
    #expect(outcome.movedTo != nil)
    #expect(throws: StateError.self) { try store.update(ifRevision: 3) { $0["a"] = "x" } }
    #expect(try store.update { $0["a"] = "new" }.document.revision == 4)
  }

  @Test("an instance removed and created again continues above its old revisions")
  func removedInstanceKeepsRevisions() throws {
    let id = try InstanceID("agent-1")
    let store = ConfigStore(home: home, namespace: .instance(id))
    for value in ["1", "2"] { try store.update { $0["a"] = value } }
    try InstanceRegistry(home: home).remove(id, intent: intent)
    #expect(try store.read().revision == 0)
    for stale: UInt64 in [1, 2] {
      #expect(throws: StateError.self) { try store.update(ifRevision: stale) { $0["a"] = "x" } }
    }
    #expect(try store.update { $0["a"] = "new" }.document.revision == 3)
  }

  @Test("a document at revision Int64.max is refused as corrupt, never a crash; repair recovers it")
  func revisionAtMaximum() throws {
    let store = ConfigStore(home: home)
    try store.update { $0["a"] = "1" }
    let path = directory.appending("home/config.json")
    let text = #"{"format":"tandem.config/1","revision":9223372036854775807,"values":{"a":"1"}}"#
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    #expect(try store.read().revision == UInt64(Int64.max))
    let error = try #require(throws: StateError.self) { try store.update { $0["a"] = "2" } }
    #expect(error.code == .stateCorrupt)
    #expect(FileManager.default.contents(atPath: path) == Data(text.utf8))
    #expect(try store.repair(intent: intent).movedTo != nil)
    #expect(try store.update { $0["a"] = "2" }.document.revision >= 1)
  }

  @Test("one revision below the maximum still writes, and the next is refused")
  func revisionJustBelowMaximum() throws {
    let store = ConfigStore(home: home)
    try store.update { $0["a"] = "1" }
    let text = #"{"format":"tandem.config/1","revision":9223372036854775806,"values":{"a":"1"}}"#
    try Data(text.utf8).write(to: URL(fileURLWithPath: directory.appending("home/config.json")))
    #expect(try store.update { $0["a"] = "2" }.document.revision == UInt64(Int64.max))
    #expect(throws: StateError.self) { try store.update { $0["a"] = "3" } }
    #expect(try store.read().values["a"] == "2")
  }

  @Test("a lock record with numbers at Int64's limits neither crashes status nor the next holder")
  func hostileLockRecord() throws {
    let store = ConfigStore(home: home)
    try store.update { $0["a"] = "1" }
    let record =
      #"{"holder":{"pid":-9223372036854775808,"instance_id":null,"command":"x","acquired_at_ms":-9223372036854775808},"#
      + #""holds":9223372036854775807,"mean_hold_us":9223372036854775807,"revision":-5}"#
    let padded = record + String(repeating: " ", count: 511 - record.utf8.count) + "\n"
    try Data(padded.utf8).write(to: URL(fileURLWithPath: directory.appending("home/config.json.lock")))
    let holder = try #require(LockHolder(json: try JSONParser.parse(Array(record.utf8))["holder"]!))
    #expect(holder.heldMilliseconds(now: Int64.max) == Int64.max)
    #expect(holder.heldMilliseconds(now: Int64.min) == 0)
    _ = try store.lockStatus()
    #expect(try store.update { $0["a"] = "2" }.document.revision == 2)
    #expect(try store.update { $0["a"] = "3" }.document.revision == 3)
  }

  @Test("a holder that passed its lock to child processes excludes them from its own writes")
  func passedDownHolderTakesALevel() throws {
    let store = ConfigStore(home: home)
    let lock = try store.acquireLock(intent: intent)
    defer { lock.release() }
    _ = lock.makeInheritable()
    // A child process that inherited the lock would take level 1 (byte 1 of the lock file)
    // through its own open file; while this thread writes, that byte must be taken.
    let probe = Glibc.open(directory.appending("home/config.json.lock"), O_RDWR)
    defer { Glibc.close(probe) }
    func levelOneIsFree() -> Bool {
      var request = flock()
      request.l_type = Int16(F_WRLCK)
      request.l_whence = Int16(SEEK_SET)
      request.l_start = 1
      request.l_len = 1
      guard fcntl(probe, 37 /* F_OFD_SETLK */, &request) == 0 else { return false }
      request.l_type = Int16(F_UNLCK)
      _ = fcntl(probe, 37, &request)
      return true
    }
    #expect(levelOneIsFree())
    var freeDuringWrite = true
    try lock.whileHolding {
      try store.update { document in
        document["k"] = "v"
        freeDuringWrite = levelOneIsFree()
      }
    }
    #expect(!freeDuringWrite)
    #expect(levelOneIsFree())
    #expect(try store.read().values == ["k": "v"])
  }

  /// Answers every refresh with a new token valid for an hour.
  struct HourTokens: TokenRefresher {
    func refresh(_ request: RefreshRequest) throws(RefreshFailure) -> TokenSet {
      TokenSet(
        accessToken: "a", expiresAtMilliseconds: SystemClock.wallMilliseconds() + 3_600_000,
        refreshToken: "r")
    }
  }

  @Test("a login after a logout continues the generation count: a stale --if-generation never matches")
  func generationsNeverReused() throws {
    let store = CredentialStore(home: home)
    let source = CredentialSource.command("true")
    try store.login(account: "a", source: source, refreshToken: "r0", timeout: .default, intent: intent)
    for _ in 0..<2 {
      _ = try store.refresh(
        account: "a", ifGeneration: nil, timeout: .default, intent: intent, refresher: HourTokens())
    }
    #expect(try store.record("a").generation == 2)
    try store.logout(account: "a", timeout: .default, intent: intent)
    try store.login(account: "a", source: source, refreshToken: "r1", timeout: .default, intent: intent)
    #expect(try store.record("a").generation == 3)
  }
}
