import Foundation
import TandemTestSupport
import Testing

@Suite("Core guarantee: no lost update, one winner per revision", .serialized)
struct CoreGuaranteeTests {
  @Test("two simultaneous sets of different keys are both applied (20 rounds)")
  func bothApplied() throws {
    let home = Home()
    for round in 0..<20 {
      let results = try TandemBinary.runTogether([
        home.args(["config", "set", "a.r\(round)=1"]), home.args(["config", "set", "b.r\(round)=2"]),
      ])
      #expect(results.map(\.status) == [0, 0], "\(results.map(\.standardOutput))")
    }
    let values = try home.values()
    #expect(values.count == 40)
    let list = try home.run(["config", "list"])
    #expect((list.data?["revisions"] as? [String: Any])?["shared"] as? Int == 40)
  }

  @Test("two simultaneous sets with the same --if-revision: exactly one 0 and one 6 (20 rounds)")
  func oneWinner() throws {
    let home = Home()
    try home.run(["config", "set", "seed=0"])
    for round in 0..<20 {
      let current = try #require(
        (try home.run(["config", "list"]).data?["revisions"] as? [String: Any])?["shared"] as? Int)
      #expect(current == round + 1)
      let results = try TandemBinary.runTogether([
        home.args(["config", "set", "--if-revision", String(current), "winner=first"]),
        home.args(["config", "set", "--if-revision", String(current), "winner=second"]),
      ])
      #expect(results.map(\.status).sorted() == [0, 6])
      let loser = try #require(results.first { $0.status == 6 })
      let error = try #require(loser.error)
      #expect(error["code"] as? String == "CONCURRENT_MODIFICATION")
      #expect(error["reason"] as? String == "revision_mismatch")
      #expect(error["retryable"] as? Bool == false, "the identical call cannot succeed: re-read first")
      #expect(error["fix_command"] is String)
      #expect(error["expected_revision"] as? Int == current)
      #expect(error["current_revision"] as? Int == current + 1)
      let winner = try #require(results.first { $0.status == 0 })
      #expect(winner.data?["keys"] as? [String] == ["winner"])
      #expect(winner.data?["revision"] as? Int == current + 1)
      let stored = try home.run(["config", "get", "winner"]).data?["value"] as? String
      let expected = results[0].status == 0 ? "first" : "second"
      #expect(stored == expected, "the stored value must be the winner's")
    }
  }

  @Test("8 agents × 25 writes of distinct keys: all 200 keys present, every call exited 0 or 6")
  func noLostUpdates() throws {
    let home = Home()
    let agents = try (0..<8).map { agent in
      try home.agent(
        """
        for i in $(seq 1 25); do
          "$1" --home "$2" config set agent\(agent).key$i=v$i >/dev/null 2>&1
          status=$?
          if [ $status -ne 0 ] && [ $status -ne 6 ]; then echo "unexpected exit $status"; exit 1; fi
          if [ $status -eq 6 ]; then echo conflict; fi
        done
        """)
    }
    let results = agents.map { $0.wait() }
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.standardOutput))")
    let conflicts = results.map { $0.standardOutput.components(separatedBy: "conflict").count - 1 }.reduce(
      0, +)
    let values = try home.values()
    #expect(values.count == 200 - conflicts)
    #expect(conflicts == 0, "no call should time out at the default 5 s timeout")
  }
}
