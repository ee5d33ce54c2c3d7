import Foundation
import Synchronization
import TandemTestSupport
import Testing

@testable import TandemState

@Suite("The process spawner: environment, pipes, zombies, process groups")
struct ProcessSpawnerTests {
  @Test("a variable set for the child replaces the inherited one instead of appearing twice")
  func environmentNotDuplicated() throws {
    let inherited = try #require(ProcessInfo.processInfo.environment["HOME"], "HOME must be set")
    let result = try CapturedProcess.run(
      ["/usr/bin/env"], input: [], timeoutMilliseconds: 10_000, extraEnvironment: ["HOME=/spawner-test"])
    let homes = String(decoding: result.standardOutput, as: UTF8.self).split(separator: "\n")
      .filter { $0.hasPrefix("HOME=") }
    #expect(homes == ["HOME=/spawner-test"], "inherited: \(inherited)")
  }

  @Test("a child never inherits the pipes of another helper started at the same time")
  func pipesCloseOnExec() throws {
    // Each child prints the pipes among its descriptors above 2 (`[ -p ]` only stats).
    let numbers = (3...64).map(String.init).joined(separator: " ")
    let script = "for n in \(numbers); do [ -p /proc/$$/fd/$n ] && readlink /proc/$$/fd/$n; done; true"
    @Sendable func pipes() -> String? {
      (try? CapturedProcess.run(["/bin/sh", "-c", script], input: [], timeoutMilliseconds: 10_000))
        .map { String(decoding: $0.standardOutput, as: UTF8.self) }
    }
    // Pipes this test process itself inherited without close-on-exec are not the spawner's.
    let baseline = try #require(pipes())
    let leaks = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 4) { _ in
      for _ in 0..<150 {
        let seen = pipes() ?? "failed to run"
        if seen != baseline { leaks.withLock { $0.append(seen) } }
      }
    }
    let found = leaks.withLock { $0 }
    #expect(
      found.isEmpty, "\(found.count) children inherited another child's pipe, e.g. \(found.first ?? "")")
  }

  @Test("a started helper nobody waits for is killed and reaped: no zombie, no process left")
  func noZombie() throws {
    var finished: CapturedProcess.Started? = try CapturedProcess.start(["/bin/true"])
    let finishedPID = try #require(finished?.pid)
    var running: CapturedProcess.Started? = try CapturedProcess.start(["/bin/sleep", "30"])
    let runningPID = try #require(running?.pid)
    usleep(200_000)
    finished = nil
    running = nil
    _ = (finished, running)
    // Reaped by this process: the pid no longer exists at all (not even as a zombie).
    #expect(kill(finishedPID, 0) == -1 && errno == ESRCH)
    #expect(kill(runningPID, 0) == -1 && errno == ESRCH)
    if kill(runningPID, 0) == 0 { kill(runningPID, SIGKILL) }
  }

  @Test("a credential helper that times out is killed with everything it started")
  func helperTimeoutKillsGroup() throws {
    let directory = TemporaryDirectory()
    let pidFile = directory.appending("background.pid")
    let request = RefreshRequest(
      account: "a", source: .command("sleep 30 & echo $! > '\(pidFile)'; wait"), refreshToken: "r",
      timeoutMilliseconds: 700)
    let started = Date()
    let failure = try #require(throws: RefreshFailure.self) { try CommandRefresher(tool: .tandem).refresh(request) }
    #expect(failure.kind == .timeout)
    #expect(Date().timeIntervalSince(started) < 5)
    let background = try #require(ProcessState.readPID(pidFile, seconds: 1))
    #expect(
      ProcessState.waitUntilGone(background, seconds: 2), "the helper's background sleep was left running")
    if !ProcessState.isGone(background) { kill(background, SIGKILL) }
  }

  @Test("a helper that exits leaves nothing behind, and its output is not held up by what it started")
  func helperLeftovers() throws {
    let directory = TemporaryDirectory()
    let pidFile = directory.appending("background.pid")
    let started = Date()
    let result = try CapturedProcess.run(
      ["/bin/sh", "-c", "sleep 30 & echo $! > '\(pidFile)'; echo done"], input: Array("in".utf8),
      timeoutMilliseconds: 10_000)
    #expect(result.termination == .exited(0))
    #expect(String(decoding: result.standardOutput, as: UTF8.self) == "done\n")
    #expect(Date().timeIntervalSince(started) < 5)
    let background = try #require(ProcessState.readPID(pidFile, seconds: 1))
    #expect(ProcessState.waitUntilGone(background, seconds: 2))
    if !ProcessState.isGone(background) { kill(background, SIGKILL) }
  }

  @Test("a helper that exits without reading its input does not kill the caller with SIGPIPE")
  func brokenPipe() throws {
    let input = [UInt8](repeating: 0x61, count: 1 << 20)
    let result = try CapturedProcess.run(
      ["/bin/sh", "-c", "exit 3"], input: input, timeoutMilliseconds: 10_000)
    #expect(result.termination == .exited(3))
  }
}
