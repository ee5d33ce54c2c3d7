import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

/// Suspending token calls share the single flight with each other, with blocking callers
/// and with other processes: one refresh per needed refresh, whoever asks.
@Suite("Async token refresh: one refresh across tasks and processes")
struct AsyncTokenRefreshTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }
  var store: CredentialStore { CredentialStore(home: home) }
  var counter: String { directory.appending("refresh-calls") }
  var intent: LockIntent { LockIntent(instanceID: nil, command: "async refresh test") }

  /// Refreshes the way an async HTTP client would: suspended for a while, never blocking a
  /// thread. Counts its calls in the file the helper command of the processes counts in.
  struct SlowAsyncRefresher: AsyncTokenRefresher {
    let counter: String

    func refresh(_ request: RefreshRequest) async throws(RefreshFailure) -> TokenSet {
      let calls = AsyncTokenRefreshTests.count(into: counter)
      try? await Task.sleep(for: .milliseconds(300))
      return TokenSet(
        accessToken: "async-token-\(calls)",
        expiresAtMilliseconds: SystemClock.wallMilliseconds() + 3_600_000,
        refreshToken: "async-refresh-\(calls)")
    }
  }

  /// Appends one call to `counter` and returns how many there are now.
  static func count(into counter: String) -> Int {
    let fd = open(counter, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    _ = write(fd, "call\n", 5)
    close(fd)
    return calls(in: counter)
  }

  static func calls(in counter: String) -> Int {
    ((try? String(contentsOfFile: counter, encoding: .utf8)) ?? "").split(separator: "\n").count
  }

  /// Logs `account` in with a helper command for the `tandem` processes: it counts its
  /// calls in the same file and takes as long as the async refresher.
  func login(_ account: String) throws {
    let helper = directory.appending("helper.sh")
    try Data(
      """
      #!/bin/sh
      cat > /dev/null
      echo call >> '\(counter)'
      sleep 0.3
      n=$(wc -l < '\(counter)')
      printf '{"access_token":"helper-token-%s","expires_in":3600}' "$n"
      """.utf8
    ).write(to: URL(fileURLWithPath: helper))
    // Run through sh, not executed: see AuthTests.helperCommand.
    try store.login(
      account: account, source: .command("/bin/sh '\(helper)'"), refreshToken: "first", timeout: .default,
      intent: intent)
  }

  /// What one caller got: its token, generation, and whether it refreshed.
  struct Answer: Hashable {
    var token: String
    var generation: Int
    var refreshed: Bool
  }

  /// Starts `tandem` processes with `arguments` and waits for their answers.
  func runProcesses(_ count: Int, _ arguments: [String]) throws -> [TandemBinary.Running] {
    try (0..<count).map { _ in
      try TandemBinary.start(["--home", home.path, "--output", "json"] + arguments)
    }
  }

  func answers(of processes: [TandemBinary.Running]) -> [Answer] {
    processes.map { process in
      let result = process.wait()
      #expect(result.status == 0, "\(result.standardOutput) \(result.standardError)")
      return Answer(
        token: result.data?["access_token"] as? String ?? "",
        generation: result.data?["generation"] as? Int ?? -1,
        refreshed: result.data?["refreshed"] as? Bool ?? false)
    }
  }

  @Test("20 concurrent async callers and 4 processes with no access token: one refresh, one token")
  func singleFlight() async throws {
    try login("shared")
    let processes = try runProcesses(4, ["auth", "token", "--account", "shared"])
    let refresher = SlowAsyncRefresher(counter: counter)
    let inProcess = try await withThrowingTaskGroup(of: Answer.self) { group in
      for _ in 0..<20 {
        group.addTask {
          let result = try await store.token(
            account: "shared", minimumValidity: .zero, timeout: .seconds(30), intent: intent, refresher: refresher
          )
          return Answer(
            token: result.tokens.accessToken, generation: Int(result.generation), refreshed: result.refreshed)
        }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    let all = inProcess + answers(of: processes)
    #expect(Self.calls(in: counter) == 1, "refreshes: \(Self.calls(in: counter))")
    #expect(Set(all.map(\.token)).count == 1, "\(Set(all.map(\.token)))")
    #expect(all.filter(\.refreshed).count == 1)
    #expect(Set(all.map(\.generation)) == [1])
  }

  @Test("after a 401, async and process callers refreshing at generation G: one refresh, all at G+1")
  func recoveryAfter401() async throws {
    try login("shared")
    let refresher = SlowAsyncRefresher(counter: counter)
    let first = try await store.token(
      account: "shared", minimumValidity: .zero, timeout: .seconds(30), intent: intent, refresher: refresher)
    let generation = first.generation
    let processes = try runProcesses(
      3, ["auth", "refresh", "--account", "shared", "--if-generation", String(generation)])
    let inProcess = try await withThrowingTaskGroup(of: Answer.self) { group in
      for _ in 0..<10 {
        group.addTask {
          let result = try await store.refresh(
            account: "shared", ifGeneration: generation, timeout: .seconds(30), intent: intent,
            refresher: refresher)
          return Answer(
            token: result.tokens.accessToken, generation: Int(result.generation), refreshed: result.refreshed)
        }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    let all = inProcess + answers(of: processes)
    #expect(Self.calls(in: counter) == 2, "refreshes: \(Self.calls(in: counter))")
    #expect(Set(all.map(\.generation)) == [Int(generation) + 1])
    #expect(Set(all.map(\.token)).count == 1)
    // A generation never issued is refused before the lock, as in the blocking call.
    let error = await #expect(throws: StateError.self) {
      try await store.refresh(
        account: "shared", ifGeneration: generation + 5, timeout: .seconds(5), intent: intent,
        refresher: refresher)
    }
    #expect(error?.code == .invalidArgument)
  }
}
