import Configuration
import Foundation
import Synchronization
import TandemConfiguration
import TandemState
import TandemTestSupport
import Testing

/// Another process (the built `tandem` binary) commits writes; the provider sees them only
/// when it reads the documents again.
@Suite("Reloading: another process's commits")
struct ReloadTests {
  let fixture = StateFixture()
  let agent = "agent-1"

  init() throws {
    try fixture.set(["aws.region": "eu-west-1", "owner": "ops"])
    try fixture.set(["aws.region": "us-east-1"], instance: agent)
  }

  func provider(pollInterval: Duration = .seconds(1)) throws -> TandemConfigProvider {
    try TandemConfigProvider(home: fixture.home, instance: try InstanceID(agent), pollInterval: pollInterval)
  }

  @Test("a commit is not seen before a reload and is seen after it; fetch reads reload")
  func reloadSeesCommit() async throws {
    let provider = try provider()
    let config = ConfigReader(provider: provider)
    #expect(config.string(forKey: "aws.region") == "us-east-1")
    try fixture.tandem(["config", "set", "--scope", "instance", "aws.region=ap-south-1"], instance: agent)
    try fixture.tandem(
      ["config", "set", "--scope", "shared", "owner=platform", "aws.region=sa-east-1"], instance: agent)
    #expect(config.string(forKey: "aws.region") == "us-east-1", "get reads serve the last reload")
    #expect(config.string(forKey: "owner") == "ops")

    #expect(try provider.reload(), "the reload found the commits")
    #expect(config.string(forKey: "aws.region") == "ap-south-1", "the instance's new value still wins")
    #expect(config.string(forKey: "owner") == "platform", "the shared commit falls through")
    #expect(provider.currentSnapshot.instanceDocument?.revision == 2)
    #expect(provider.currentSnapshot.sharedDocument.revision == 2)
    #expect(try provider.reload() == false, "nothing changed since")

    try fixture.tandem(["config", "unset", "--scope", "instance", "aws.region"], instance: agent)
    #expect(config.string(forKey: "aws.region") == "ap-south-1")
    #expect(
      try await config.fetchString(forKey: "aws.region") == "sa-east-1", "the shared value falls through")
    #expect(config.string(forKey: "aws.region") == "sa-east-1", "the fetch installed what it read")
  }

  @Test("watchValue and watchSnapshot receive the value a reload finds")
  func watching() async throws {
    let provider = try provider()
    let config = ConfigReader(provider: provider)
    let (fixture, agent) = (fixture, agent)
    // Bounded (30 s): a stream that never receives the change fails the test, not hangs it.
    try await withDeadline(.seconds(30)) {
      try await config.watchString(forKey: "aws.region") { updates in
        var values = updates.makeAsyncIterator()
        #expect(try await values.next() == "us-east-1", "the current value first")
        try fixture.tandem(
          ["config", "set", "--scope", "instance", "aws.region=ap-south-1"], instance: agent)
        try provider.reload()
        #expect(try await values.next() == "ap-south-1")
      }
    }
    try await withDeadline(.seconds(30)) {
      try await provider.watchSnapshot { updates in
        var snapshots = updates.makeAsyncIterator()
        let first = try #require(try await snapshots.next() as? TandemConfigSnapshot)
        #expect(first.entry(forKey: "owner")?.value == "ops")
        try fixture.tandem(["config", "set", "--scope", "shared", "owner=platform"], instance: agent)
        try provider.reload()
        let second = try #require(try await snapshots.next() as? TandemConfigSnapshot)
        #expect(second.entry(forKey: "owner")?.value == "platform")
      }
    }
  }

  @Test("run() polls: a commit becomes visible without an explicit reload, and cancelling ends it")
  func polling() async throws {
    let provider = try provider(pollInterval: .milliseconds(20))
    let config = ConfigReader(provider: provider)
    let poller = Task { try await provider.run() }
    try fixture.tandem(["config", "set", "--scope", "instance", "aws.region=ap-south-1"], instance: agent)
    var seen = config.string(forKey: "aws.region")
    // A bounded wait for the poller (at most 30 s), not a timing assertion.
    for _ in 0..<1500 where seen != "ap-south-1" {
      try await Task.sleep(for: .milliseconds(20))
      seen = config.string(forKey: "aws.region")
    }
    #expect(seen == "ap-south-1")
    poller.cancel()
    try await poller.value
  }

  @Test("a reload that finds a corrupt document keeps the last good values and records why")
  func corruptReload() throws {
    let provider = try provider()
    let config = ConfigReader(provider: provider)
    let sharedDocument = fixture.directory.appending("home/config.json")
    let good = try Data(contentsOf: URL(fileURLWithPath: sharedDocument))
    try Data("{\"format\": ".utf8).write(to: URL(fileURLWithPath: sharedDocument))
    #expect {
      try provider.reload()
    } throws: { error in
      (error as? StateError)?.code == .stateCorrupt
    }
    #expect(provider.reloadFailure?.code == .stateCorrupt)
    #expect(config.string(forKey: "owner") == "ops", "the last good snapshot is still served")
    try good.write(to: URL(fileURLWithPath: sharedDocument))
    try provider.reload()
    #expect(provider.reloadFailure == nil)
  }

  @Test("a reader reloading in a loop while another process writes many times never sees a torn state")
  func noTornReads() throws {
    let provider = try provider()
    let config = ConfigReader(provider: provider)
    let writes = 60
    // Each write sets three keys in one transaction; a large third value makes each document
    // tens of kilobytes, so a reader that could see a partial file would.
    let padding = String(repeating: "x", count: 16 * 1024)
    let script = """
      i=1
      while [ $i -le \(writes) ]; do
        "$0" --home "$1" --instance-id \(agent) config set --scope instance \\
          "pair.a=$i" "pair.b=$i" "pair.pad=$i-\(padding)" >/dev/null || exit 1
        i=$((i + 1))
      done
      """
    let writer = try TandemBinary.startProgram(
      "/bin/sh", ["-c", script, TandemBinary.path, fixture.home.path])
    let outcome = Mutex<TandemBinary.Result?>(nil)
    let waiter = Thread {
      let result = writer.wait()
      outcome.withLock { $0 = result }
    }
    waiter.start()

    var seen: [Int] = []
    var lastRevision: UInt64 = 0
    var reloads = 0
    while true {
      // Checked before the reload, so the last pass reads after the writer's last commit.
      let writerDone = outcome.withLock { $0 != nil }
      try provider.reload()
      reloads += 1
      let snapshot = config.snapshot()
      let revision = provider.currentSnapshot.instanceDocument?.revision ?? 0
      #expect(revision >= lastRevision, "revisions never go back")
      lastRevision = revision
      if let a = snapshot.int(forKey: "pair.a") {
        #expect(snapshot.int(forKey: "pair.b") == a, "both keys of one write")
        let pad = snapshot.string(forKey: "pair.pad")
        // Compared outside #expect, which would print 16 KiB of padding on a failure.
        let whole = pad == "\(a)-\(padding)"
        #expect(whole, "the whole of one write: pair.pad starts \(pad?.prefix(12) ?? "missing")")
        #expect((1...writes).contains(a), "a value that was written")
        if seen.last != a {
          #expect(a > seen.last ?? 0, "values never go back")
          seen.append(a)
        }
      } else {
        #expect(snapshot.int(forKey: "pair.b") == nil && snapshot.string(forKey: "pair.pad") == nil)
      }
      if writerDone { break }
    }
    let result = try #require(outcome.withLock { $0 })
    #expect(result.status == 0, "the writer failed: \(result.standardError)")
    #expect(seen.last == writes, "the last write was seen")
    #expect(seen.count > 2, "the reader saw writes while they happened: \(seen) in \(reloads) reloads")
  }
}
