import Foundation
import TandemTestSupport
import Testing

@Suite("kill -9 during writes", .serialized)
struct CrashTests {
  @Test("a writer killed at random moments leaves the old or the new document and no growing litter")
  func killDuringWrites() throws {
    let home = Home()
    try home.run(["config", "set", "seed=0"])
    var previous = 1
    for round in 0..<40 {
      // A value big enough that the write takes measurable time.
      let value = String(repeating: "x", count: 60_000) + String(round)
      let writer = try home.start(["config", "set", "big=\(value)", "round=\(round)"], json: false)
      usleep(UInt32.random(in: 0...4000))
      kill(writer.pid, SIGKILL)
      let result = writer.wait()
      let list = try home.run(["config", "list"])
      #expect(list.status == 0, "the document must always parse: \(list.standardOutput)")
      let revision = (list.data?["revisions"] as? [String: Any])?["shared"] as? Int ?? -1
      #expect(revision == previous || revision == previous + 1, "old or new, nothing else")
      if result.status == 0 { #expect(revision == previous + 1) }
      previous = revision
      let litter = home.directory.entries("home").filter { $0.contains(".tmp-") }
      #expect(litter.count <= 1, "temporary files must not pile up: \(litter)")
    }
    // The next successful write sweeps any orphan.
    try home.run(["config", "set", "final=1"])
    #expect(home.directory.entries("home").filter { $0.contains(".tmp-") }.isEmpty)
  }
}
