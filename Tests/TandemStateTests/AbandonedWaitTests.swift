import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

/// Waits that time out leave at most a few threads and descriptors behind, and those only
/// until the lock is free.
@Suite("Abandoned lock waits stay bounded")
struct AbandonedWaitTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }
  var intent: LockIntent { LockIntent(instanceID: nil, command: "abandoned wait test") }

  /// How many waits each test abandons.
  static let waits = 1000
  /// Long enough that every try gets past its first attempt into a real wait.
  static let timeout = LockTimeout(milliseconds: 3)

  /// What this process has open and running now.
  struct Usage: CustomStringConvertible {
    /// Threads of the process (`/proc/self/task`).
    var threads: Int
    /// Open descriptors (`/proc/self/fd`).
    var descriptors: Int
    /// Descriptors open on the lock file.
    var onLockFile: Int
    /// Threads blocked in `fcntl(fd, F_OFD_SETLKW)` on one of those descriptors.
    var blockedOnLockFile: Int

    init(lockFile: String) {
      let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
      let lockFDs = Set(
        fds.filter {
          (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == lockFile
        }
        .compactMap { Int($0) })
      let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
      threads = tasks.count
      descriptors = fds.count
      onLockFile = lockFDs.count
      // "72 0x5 0x26 ...": the system call number (fcntl), the descriptor, the command.
      blockedOnLockFile =
        tasks.filter { task in
          guard let line = try? String(contentsOfFile: "/proc/self/task/\(task)/syscall", encoding: .utf8)
          else { return false }
          let fields = line.split(separator: " ")
          guard fields.count > 2, fields[0] == "72", fields[2] == "0x26",
            let fd = Int(fields[1].dropFirst(2), radix: 16)
          else { return false }
          return lockFDs.contains(fd)
        }.count
    }

    var description: String {
      "\(threads) threads, \(descriptors) descriptors, \(onLockFile) on the lock file, "
        + "\(blockedOnLockFile) threads blocked on it"
    }
  }

  /// Holds `lock` through an open file of its own, outside any holding scope and any
  /// thread: every acquisition in this process waits for it, as for another process.
  func hold(_ lock: NamedLock) throws -> Int32 {
    try lock.withLock(intent: intent) { _ in }  // creates the directory and the lock file
    let fd = open(lock.path, O_RDWR | O_CLOEXEC)
    try #require(fd >= 0 && OpenFileLock.lockExclusive(fd, wait: false) == 0)
    return fd
  }

  /// Waits up to 10 s for the waiters of a freed lock to end.
  func settles(_ lock: NamedLock, below baseline: Usage) -> Usage {
    var now = Usage(lockFile: lock.path)
    for _ in 0..<1000 where now.onLockFile > 0 || now.blockedOnLockFile > 0 {
      usleep(10_000)
      now = Usage(lockFile: lock.path)
    }
    return now
  }

  /// The checks both tests make, while the holder still holds the lock and after.
  func check(during: Usage, after: Usage, baseline: Usage) {
    // Other tests run in this process meanwhile, so the totals get some slack; 1,000
    // abandoned waits each leaving a thread and three descriptors exceed it fivefold.
    #expect(during.threads <= baseline.threads + 200, "baseline \(baseline); with the lock held \(during)")
    #expect(
      during.descriptors <= baseline.descriptors + 200, "baseline \(baseline); with the lock held \(during)")
    // The holder's own descriptor, and at most the waiters' cap.
    #expect(during.onLockFile <= 1 + LockWaiter.maximumCount, "with the lock held \(during)")
    #expect(during.blockedOnLockFile <= LockWaiter.maximumCount, "with the lock held \(during)")
    #expect(after.onLockFile == 0 && after.blockedOnLockFile == 0, "after the holder let go \(after)")
  }

  @Test("1,000 timed-out blocking waits leave the thread and descriptor counts bounded")
  func blockingWaits() throws {
    let lock = try NamedLock(home: home, name: "blocking")
    let baseline = Usage(lockFile: lock.path)
    let holder = try hold(lock)
    let clock = ContinuousClock()
    let started = clock.now
    for _ in 0..<Self.waits {
      let error = #expect(throws: StateError.self) { try lock.acquire(timeout: Self.timeout, intent: intent) }
      #expect(error?.conflictReason == .lockTimeout)
    }
    // Each try waited for its timeout: none gave up before it had to wait.
    #expect(clock.now - started >= .milliseconds(3 * Self.waits))
    let during = Usage(lockFile: lock.path)
    close(holder)
    check(during: during, after: settles(lock, below: baseline), baseline: baseline)
  }

  @Test("1,000 timed-out suspending waits, 50 at a time, leave the thread and descriptor counts bounded")
  func suspendingWaits() async throws {
    let lock = try NamedLock(home: home, name: "suspending")
    let baseline = Usage(lockFile: lock.path)
    let holder = try hold(lock)
    let timeouts = await withTaskGroup(of: Int.self) { group in
      for _ in 0..<50 {
        group.addTask {
          var timedOut = 0
          for _ in 0..<(Self.waits / 50) {
            do {
              try await lock.withLock(timeout: Self.timeout, intent: intent) { _ in }
            } catch let error as StateError where error.conflictReason == .lockTimeout {
              timedOut += 1
            } catch {}
          }
          return timedOut
        }
      }
      return await group.reduce(0, +)
    }
    #expect(timeouts == Self.waits)
    let during = Usage(lockFile: lock.path)
    close(holder)
    check(during: during, after: settles(lock, below: baseline), baseline: baseline)
  }
}
