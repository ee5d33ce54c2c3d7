import Foundation
import TandemTestSupport
import Testing

@Suite("lock run: the command's process group, and the lock free on return", .serialized)
struct LockRunGroupTests {
  @Test("a command that leaves a background process behind: the lock is free when lock run returns")
  func backgroundLeftover() throws {
    let home = Home()
    let pidFile = home.directory.appending("background.pid")
    // (Its output goes elsewhere: the test's own pipes would otherwise wait for it.)
    let started = Date()
    let run = try home.run([
      "lock", "run", "--", "sh", "-c", "sleep 3 >/dev/null 2>&1 & echo $! > '\(pidFile)'; exit 0",
    ])
    let returned = Date()
    #expect(run.status == 0, "\(run.standardOutput) \(run.standardError)")
    #expect(returned.timeIntervalSince(started) < 2.5, "lock run returns without waiting for the sleep")
    let status = try home.run(["lock", "status"])
    #expect(status.data?["held"] as? Bool == false, "\(status.standardOutput)")
    let write = try home.run(["--lock-timeout", "0", "config", "set", "k=v"])
    #expect(write.status == 0, "\(write.standardOutput)")
    #expect(Date().timeIntervalSince(returned) < 1)
    let background = try #require(ProcessState.readPID(pidFile, seconds: 1))
    #expect(ProcessState.isGone(background), "the background sleep was ended with the group")
    if !ProcessState.isGone(background) { kill(background, SIGKILL) }
  }

  @Test("a process that left the group (setsid) does not keep the lock either")
  func setsidLeftover() throws {
    let home = Home()
    let pidFile = home.directory.appending("escaped.pid")
    let run = try home.run(
      [
        "lock", "run", "--name", "n", "--", "sh", "-c",
        "setsid sh -c 'echo $$ > \(pidFile); exec sleep 30' >/dev/null 2>&1 & while [ ! -s '\(pidFile)' ]; do sleep 0.01; done",
      ])
    #expect(run.status == 0, "\(run.standardOutput) \(run.standardError)")
    let escaped = try #require(ProcessState.readPID(pidFile, seconds: 1))
    defer { kill(escaped, SIGKILL) }
    #expect(!ProcessState.isGone(escaped), "setsid takes it out of the group: it is still running")
    let next = try home.run(["--lock-timeout", "0", "lock", "run", "--name", "n", "--", "true"])
    #expect(next.status == 0, "\(next.standardOutput)")
  }

  @Test("SIGTERM to tandem lock run ends the command's children too, and frees the lock")
  func terminateEndsGrandchildren() throws {
    let home = Home()
    let pidFile = home.directory.appending("grandchild.pid")
    let running = try home.start(
      ["lock", "run", "--", "sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $! > '\(pidFile)'; wait"],
      json: false)
    let grandchild = try #require(ProcessState.readPID(pidFile))
    defer { kill(grandchild, SIGKILL) }
    #expect(try home.waitUntilHeld())
    kill(running.pid, SIGTERM)
    let result = running.wait()
    #expect(result.status == 143, "\(result.standardError)")
    #expect(ProcessState.isGone(grandchild), "the command's background sleep survived SIGTERM")
    #expect(try home.run(["--lock-timeout", "0", "config", "set", "k=v"]).status == 0)
  }

  @Test("a child that ignores SIGTERM is killed after the grace period")
  func killAfterGrace() throws {
    let home = Home()
    let pidFile = home.directory.appending("stubborn.pid")
    let started = Date()
    let run = try home.run(
      [
        "lock", "run", "--", "sh", "-c",
        "sh -c 'trap \"\" TERM; echo $$ > \(pidFile); while :; do sleep 0.1; done' >/dev/null 2>&1 & "
          + "while [ ! -s '\(pidFile)' ]; do sleep 0.01; done; exit 0",
      ])
    #expect(run.status == 0, "\(run.standardOutput) \(run.standardError)")
    let elapsed = Date().timeIntervalSince(started)
    let stubborn = try #require(ProcessState.readPID(pidFile, seconds: 1))
    defer { kill(stubborn, SIGKILL) }
    #expect(ProcessState.isGone(stubborn))
    #expect(elapsed >= 0.9, "SIGKILL only after the grace period (\(elapsed) s)")
  }
}
