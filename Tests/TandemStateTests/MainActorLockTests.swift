import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

@Suite("Locks taken by two @MainActor tasks")
struct MainActorLockTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }

  /// What the critical sections saw, touched only on the main actor.
  @MainActor final class Record {
    var inside = 0
    var mostInside = 0
    var completed = 0
    var threads: Set<UInt> = []
  }

  @Test("two @MainActor tasks contending for one lock are mutually exclusive")
  @MainActor func mutuallyExclusive() async throws {
    let lock = try NamedLock(home: home, name: "main-actor")
    let record = Record()
    func criticalSection(_ label: String) async throws {
      try await lock.withLock(
        timeout: .seconds(20), intent: LockIntent(instanceID: nil, command: label)
      ) { _ in
        record.threads.insert(UInt(pthread_self()))
        record.inside += 1
        record.mostInside = max(record.mostInside, record.inside)
        // Suspends with the lock held: the other task runs on the main actor meanwhile, on
        // the same thread, and must wait for the lock, not share it.
        try await Task.sleep(for: .milliseconds(200))
        record.inside -= 1
        record.completed += 1
      }
    }
    let first = Task { @MainActor in try await criticalSection("first") }
    let second = Task { @MainActor in try await criticalSection("second") }
    try await first.value
    try await second.value
    #expect(record.completed == 2)
    #expect(record.mostInside == 1, "both tasks were inside the lock at once")
    // Not asserted: that both ran on one thread. Dispatch may drain the main queue from a
    // worker thread (one at a time) once the main thread has handed it over, which a loaded
    // test run does; exclusion must hold either way, and is what is checked above.
  }
}
