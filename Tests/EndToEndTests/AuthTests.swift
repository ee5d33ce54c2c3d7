import Foundation
import TandemTestSupport
import Testing

/// A home with an OAuth account logged in against the test server.
struct AuthHome {
  let home = Home()
  let server: OAuthTestServer

  init() throws {
    server = try OAuthTestServer()
  }

  /// `auth login` with a fresh grant, the refresh token on standard input.
  @discardableResult
  func login(_ account: String, expired: Bool = false, instance: String? = nil) throws -> String {
    let token = try server.newGrant(expired: expired)
    let file = home.directory.appending("rt-\(account)")
    try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: file))
    let result = try TandemBinary.run(
      home.args(
        [
          "auth", "login", "--account", account, "--token-url", server.tokenURL, "--client-id",
          OAuthTestServer.clientID,
        ],
        instance: instance), input: file)
    #expect(result.status == 0, "login failed: \(result.standardOutput) \(result.standardError)")
    return token
  }
}

@Suite("auth: single-flight refresh across processes", .serialized)
struct AuthTests {
  @Test("20 concurrent `auth token` with no access token: one refresh, one token for all, no reuse")
  func twentyAgents() throws {
    let auth = try AuthHome()
    let refreshToken = try auth.login("main")
    try auth.server.setDelay(milliseconds: 200)
    let results = try TandemBinary.runTogether((0..<20).map { _ in auth.home.args(["auth", "token"]) })
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.standardOutput))")
    let tokens = Set(results.compactMap { $0.data?["access_token"] as? String })
    #expect(tokens.count == 1)
    #expect(results.filter { $0.data?["refreshed"] as? Bool == true }.count == 1)
    #expect(Set(results.compactMap { $0.data?["generation"] as? Int }) == [1])
    let stats = try auth.server.stats()
    #expect(stats["refreshes"] == 1 && stats["reuse_detected"] == 0 && stats["requests"] == 1)
    // The refresh token never shows in any output.
    #expect(
      results.allSatisfy {
        !$0.standardOutput.contains(refreshToken) && !$0.standardError.contains(refreshToken)
      })
  }

  @Test("after a 401, 10 concurrent `auth refresh --if-generation G`: one refresh, all at G+1")
  func recoveryAfter401() throws {
    let auth = try AuthHome()
    try auth.login("main")
    let first = try auth.home.run(["auth", "token"])
    let generation = try #require(first.data?["generation"] as? Int)
    try auth.server.setDelay(milliseconds: 100)
    let results = try TandemBinary.runTogether(
      (0..<10).map { _ in auth.home.args(["auth", "refresh", "--if-generation", String(generation)]) })
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.standardOutput))")
    #expect(Set(results.compactMap { $0.data?["generation"] as? Int }) == [generation + 1])
    #expect(Set(results.compactMap { $0.data?["access_token"] as? String }).count == 1)
    let stats = try auth.server.stats()
    #expect(stats["refreshes"] == 2 && stats["reuse_detected"] == 0)
    // Without --if-generation it refreshes again, once.
    #expect(try auth.home.run(["auth", "refresh"]).data?["generation"] as? Int == generation + 2)
    #expect(try auth.server.stats()["refreshes"] == 3)
  }

  @Test("a 2 s server delay with the default lock timeout: still exactly one refresh")
  func slowServer() throws {
    let auth = try AuthHome()
    try auth.login("main")
    try auth.server.setDelay(milliseconds: 2000)
    let results = try TandemBinary.runTogether((0..<8).map { _ in auth.home.args(["auth", "token"]) })
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.standardOutput))")
    #expect(Set(results.compactMap { $0.data?["access_token"] as? String }).count == 1)
    #expect(try auth.server.stats()["refreshes"] == 1)
  }

  @Test("helper-command accounts get the same single flight, counted by the helper")
  func helperCommand() throws {
    let home = Home()
    let counter = home.directory.appending("helper-calls")
    let helper = home.directory.appending("helper.sh")
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
    chmod(helper, 0o755)
    // Through sh, not executed: a file just written may be open for writing in a child that
    // another test is forking, and executing it would fail with ETXTBSY.
    #expect(
      try home.run(["auth", "login", "--account", "helper", "--refresh-command", "/bin/sh '\(helper)'"])
        .status == 0)
    let results = try TandemBinary.runTogether((0..<20).map { _ in home.args(["auth", "token"]) })
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.standardOutput))")
    #expect(Set(results.compactMap { $0.data?["access_token"] as? String }) == ["helper-token-1"])
    let calls = try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count
    #expect(calls == 1)
  }

  @Test("auth switch changes one instance's account only; instances share each account's one token set")
  func switchIsolation() throws {
    let auth = try AuthHome()
    try auth.login("alpha")
    try auth.login("beta")
    #expect(
      try auth.home.run(["auth", "status"]).data?["account"] as? String == "alpha",
      "first login is the default")
    #expect(try auth.home.run(["auth", "switch", "--account", "beta"], instance: "i1").status == 0)
    #expect(try auth.home.run(["auth", "status"], instance: "i1").data?["account"] as? String == "beta")
    #expect(try auth.home.run(["auth", "status"], instance: "i1").data?["origin"] as? String == "instance")
    #expect(try auth.home.run(["auth", "status"], instance: "i2").data?["account"] as? String == "alpha")
    #expect(try auth.home.run(["auth", "status"]).data?["account"] as? String == "alpha")
    let results = try TandemBinary.runTogether([
      auth.home.args(["auth", "token"], instance: "i1"), auth.home.args(["auth", "token"], instance: "i3"),
      auth.home.args(["auth", "token", "--account", "beta"], instance: "i2"),
    ])
    #expect(results.allSatisfy { $0.status == 0 })
    #expect(results[0].data?["account"] as? String == "beta")
    #expect(results[1].data?["account"] as? String == "alpha")
    #expect(results[2].data?["access_token"] as? String == results[0].data?["access_token"] as? String)
    #expect(try auth.server.stats()["refreshes"] == 2, "one refresh per account, not per instance")
    #expect(FileManager.default.fileExists(atPath: auth.home.path + "/instances/i1/auth.json"))
    #expect(!FileManager.default.fileExists(atPath: auth.home.path + "/instances/i2/auth.json"))
  }

  @Test(
    "the refresher killed with SIGKILL mid-request: the next caller gets exit 8 REFRESH_REVOKED, nothing deleted"
  )
  func killedRefresher() throws {
    let auth = try AuthHome()
    let refreshToken = try auth.login("main")
    try auth.server.setDelay(milliseconds: 1500)
    let victim = try auth.home.start(["auth", "token"])
    var polls = 0
    while try auth.server.stats()["requests"] != 1, polls < 300 {
      usleep(10_000)
      polls += 1
    }
    // While the request is out, no process's argument list carries the refresh token.
    #expect(!Self.anyCommandLineContains(refreshToken))
    kill(victim.pid, SIGKILL)
    _ = victim.wait()
    // The provider finishes the rotation; tandem never sees the new token.
    polls = 0
    while try auth.server.stats()["refreshes"] != 1, polls < 300 {
      usleep(10_000)
      polls += 1
    }
    try auth.server.setDelay(milliseconds: 0)
    let status = try auth.home.run(["auth", "status"])
    #expect(status.data?["refresh_interrupted"] as? Bool == true)

    let next = try auth.home.run(["auth", "token"])
    #expect(next.status == 8)
    #expect(next.errorCode == "REFRESH_REVOKED")
    #expect((next.error?["message"] as? String)?.contains("interrupted") == true)
    #expect((next.error?["reauth_command"] as? String)?.contains("auth login --account main") == true)
    #expect(try auth.server.stats()["reuse_detected"] == 1)
    #expect(
      FileManager.default.fileExists(atPath: auth.home.path + "/credentials/main.json"), "never deleted")
    // Logging in again recovers.
    try auth.login("main")
    #expect(try auth.home.run(["auth", "token"]).status == 0)
  }

  @Test(
    "an expired refresh token is CREDENTIALS_EXPIRED (8), a refused client ACCESS_DENIED (7), a dead endpoint UNAVAILABLE (12)"
  )
  func errorClasses() throws {
    let auth = try AuthHome()
    try auth.login("old", expired: true)
    let expired = try auth.home.run(["auth", "token", "--account", "old"])
    #expect(expired.status == 8 && expired.errorCode == "CREDENTIALS_EXPIRED")
    #expect(expired.error?["reauth_command"] is String)

    let file = auth.home.directory.appending("rt")
    try Data(try auth.server.newGrant().utf8).write(to: URL(fileURLWithPath: file))
    let login = try TandemBinary.run(
      auth.home.args([
        "auth", "login", "--account", "stranger", "--token-url", auth.server.tokenURL, "--client-id",
        "nobody",
      ]),
      input: file)
    #expect(login.status == 0)
    let denied = try auth.home.run(["auth", "token", "--account", "stranger"])
    #expect(denied.status == 7 && denied.errorCode == "ACCESS_DENIED")

    try auth.login("main")
    auth.server.stop()
    let down = try auth.home.run(["auth", "token", "--account", "main"])
    #expect(down.status == 12 && down.errorCode == "UNAVAILABLE")
    #expect(down.error?["retryable"] as? Bool == true)
    #expect(try auth.home.run(["auth", "token", "--account", "nobody"]).status == 8)
  }

  @Test("login takes the refresh token only from standard input and never blocks on a terminal")
  func loginInput() throws {
    let home = Home()
    let noToken = try home.run([
      "auth", "login", "--account", "a", "--token-url", "http://127.0.0.1:9/token", "--client-id", "c",
    ])
    #expect(noToken.status == 2, "empty standard input is refused")
    let stored = try home.run(["auth", "list"])
    #expect((stored.data?["accounts"] as? [Any])?.isEmpty == true)
  }

  static func anyCommandLineContains(_ secret: String) -> Bool {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for pid in entries where Int(pid) != nil {
      guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
      if String(decoding: data, as: UTF8.self).contains(secret) { return true }
    }
    return false
  }
}
