import Foundation
import TandemTestSupport
import Testing

@Suite("SIGINT and SIGTERM during a lock wait", .serialized)
struct InterruptedWaitTests {
  @Test(
    "a signal during a lock wait gives one envelope (INTERRUPTED), exit 128+signal, nothing written",
    arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
  func interruptedWait(_ signal: Int32, _ status: Int32) throws {
    let home = Home()
    try home.run(["config", "set", "before=1"])
    let holder = try home.start(["lock", "run", "--", "sleep", "2"], json: false)
    #expect(try home.waitUntilHeld())

    let waiter = try home.start(["--lock-timeout", "30s", "config", "set", "after=1"])
    #expect(Self.waitUntilCatching(signal, pid: waiter.pid), "the waiter never blocked in the wait")
    kill(waiter.pid, signal)
    let result = waiter.wait()
    #expect(result.status == status, "\(result.standardOutput) \(result.standardError)")
    let envelope = try #require(result.envelope, "one JSON document: \(result.standardOutput)")
    #expect(envelope["ok"] as? Bool == false)
    #expect(result.errorCode == "INTERRUPTED")
    #expect(result.error?["exit_code"] as? Int == Int(status))
    #expect((result.error?["message"] as? String)?.contains("nothing was written") == true)
    #expect(result.standardOutput.split(separator: "\n").count == 1)
    #expect(try SchemaValidator.validateEnvelopes([(result.standardOutput, result.status)]) == [])

    let text = try home.start(["--lock-timeout", "30s", "config", "set", "after=2"], json: false)
    #expect(Self.waitUntilCatching(signal, pid: text.pid))
    kill(text.pid, signal)
    let textResult = text.wait()
    #expect(textResult.status == status)
    #expect(textResult.standardOutput.isEmpty)
    let lines = textResult.standardError.split(separator: "\n")
    #expect(lines.count == 1 && lines.first?.contains("[INTERRUPTED, exit \(status)]") == true, "\(lines)")

    #expect(holder.wait().status == 0)
    #expect(try home.values() == ["before": "1"], "nothing was written")
  }

  /// Waits (bounded) until `pid` catches `signal` (`SigCgt` in /proc/PID/status): tandem
  /// installs its handler only once a lock wait blocks.
  static func waitUntilCatching(_ signal: Int32, pid: Int32) -> Bool {
    for _ in 0..<1000 {
      if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
        let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16),
        mask & (UInt64(1) << UInt64(signal - 1)) != 0
      {
        return true
      }
      usleep(10_000)
    }
    return false
  }
}
