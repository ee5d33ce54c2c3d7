import Foundation
import MCP
import TandemTestSupport
import Testing

/// A temporary home, and `tandem` run against it on the command line.
private struct Home {
  let directory = TemporaryDirectory("tandem-mcp")
  var path: String { directory.appending("home") }

  /// `tandem --output json ARGS...` with the home in `TANDEM_HOME`, as the servers have it,
  /// so that errors name the same commands (`fix_command` repeats the options given).
  @discardableResult
  func run(_ arguments: [String], input: String? = nil) throws -> TandemBinary.Result {
    try TandemBinary.run(["--output", "json"] + arguments, environment: ["TANDEM_HOME": path], input: input)
  }

  /// A server for this home, with `environment` besides `TANDEM_HOME`.
  func server(_ environment: [String: String] = [:]) async throws -> ServerConnection {
    try await ServerConnection(environment: environment.merging(["TANDEM_HOME": path]) { $1 })
  }
}

/// Two JSON objects (from `JSONSerialization`) with the same members: the same text once
/// written with sorted keys.
private func same(_ a: [String: Any]?, _ b: [String: Any]?) -> Bool {
  guard let a, let b, let first = try? JSONSerialization.data(withJSONObject: a, options: [.sortedKeys]),
    let second = try? JSONSerialization.data(withJSONObject: b, options: [.sortedKeys])
  else { return false }
  return first == second
}

@Suite("tandem-mcp: the SDK's client against spawned server processes", .serialized)
struct MCPServerTests {
  @Test("handshake; the six tools, each with the input schema its manifest flags give")
  func handshakeAndSchemas() async throws {
    let home = Home()
    let server = try await home.server()
    let printed = try TandemBinary.run(["manifest", "--output", "json"])
    let envelope = try JSONDecoder().decode(Value.self, from: Data(printed.standardOutput.utf8))
    let manifest = try #require(envelope.objectValue?["data"]?.objectValue)
    #expect(server.initialization.serverInfo.name == "tandem-mcp")
    #expect(server.initialization.serverInfo.version == manifest["framework_version"]?.stringValue)
    #expect(server.initialization.capabilities.tools != nil)
    #expect(server.initialization.instructions?.contains("CONCURRENT_MODIFICATION") == true)

    let (tools, _) = try await server.client.listTools()
    let paths = [
      "config_get": "config.get", "config_set": "config.set", "config_list": "config.list",
      "config_unset": "config.unset", "lock_status": "lock.status", "auth_token": "auth.token",
    ]
    #expect(Set(tools.map(\.name)) == Set(paths.keys) && tools.count == paths.count)
    for tool in tools {
      let command = try #require(manifest["commands"]?.objectValue?[paths[tool.name] ?? ""]?.objectValue)
      #expect(tool.description == command["description"]?.stringValue)
      #expect(
        tool.annotations.readOnlyHint == (command["danger_level"] == "safe")
          && tool.annotations.destructiveHint == (command["danger_level"] == "destructive"))
      // The schema the manifest's flags call for, worked out here independently.
      var properties: [String: Value] = [:]
      var required: Set<Value> = []
      for (name, flag) in command["flags"]?.objectValue ?? [:]
      where !["output", "help", "version"].contains(name) {
        let entry = try #require(flag.objectValue)
        let property = name.replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: "=", with: "_")
        var schema: [String: Value] = ["description": entry["description"] ?? .null]
        switch entry["type"]?.stringValue {
        case "array": schema["type"] = "array"; schema["items"] = ["type": "string"]
        case "enum": schema["type"] = "string"; schema["enum"] = entry["enum_values"]
        case let type?: schema["type"] = .string(type)
        case nil: Issue.record("flag \(name) has no type")
        }
        if let value = entry["default"] { schema["default"] = value }
        properties[property] = .object(schema)
        if entry["required"] == true { required.insert(.string(property)) }
      }
      let actual = try #require(tool.inputSchema.objectValue)
      #expect(actual["type"] == "object" && actual["additionalProperties"] == false, "\(tool.name)")
      #expect(actual["properties"] == .object(properties), "\(tool.name)")
      #expect(Set(actual["required"]?.arrayValue ?? []) == required, "\(tool.name)")
      #expect(
        properties["home"] != nil && properties["instance_id"] != nil && properties["lock_timeout"] != nil)
    }
    #expect(
      tools.first { $0.name == "config_set" }?.inputSchema.objectValue?["properties"]?.objectValue?.keys
        .sorted()
        == ["home", "if_revision", "instance_id", "key_value", "lock_timeout", "scope", "store"])
    let ended = await server.close()
    #expect(ended.status == 0 && ended.standardError.isEmpty, "\(ended)")
  }

  @Test("calls go through tandem: results are the envelope's data, errors its error object")
  func calls() async throws {
    let home = Home()
    let server = try await home.server()
    let set = try await server.call("config_set", ["key_value": ["region=eu", "model=large", "flag=-x"]])
    #expect(set.isError != true && set.json?["revision"] as? Int == 1, "\(set)")
    #expect(set.structuredContent?.objectValue?["keys"] == ["region", "model", "flag"])
    // What one side writes, the other reads.
    #expect(try home.run(["config", "get", "flag"]).data?["value"] as? String == "-x")
    try home.run(["config", "set", "owner=ops"])
    let get = try await server.call("config_get", ["key": "owner"])
    #expect(get.json?["value"] as? String == "ops" && get.json?["revision"] as? Int == 2)
    let list = try await server.call("config_list")
    let keys = (list.json?["entries"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
    #expect(Set(keys ?? []) == ["region", "model", "flag", "owner"])
    let unset = try await server.call("config_unset", ["keys": ["model"], "if_revision": 2])
    #expect(unset.isError != true && unset.json?["revision"] as? Int == 3, "\(unset)")

    // A stale if_revision: the CLI's error object, code and exit code included.
    let stale = try await server.call("config_unset", ["keys": ["region"], "if_revision": 2])
    #expect(stale.isError == true && stale.code == "CONCURRENT_MODIFICATION")
    #expect(stale.json?["exit_code"] as? Int == 6 && stale.json?["retryable"] as? Bool == false)
    #expect(
      stale.json?["reason"] as? String == "revision_mismatch" && stale.json?["current_revision"] as? Int == 3)
    #expect(stale.structuredContent?.objectValue?["code"] == "CONCURRENT_MODIFICATION")
    let staleCLI = try home.run(["config", "unset", "region", "--if-revision", "2"])
    #expect(staleCLI.status == 6 && same(stale.json, staleCLI.error), "\(String(describing: stale.json))")

    let missing = try await server.call("config_get", ["key": "nope"])
    #expect(missing.code == "NOT_FOUND" && missing.json?["exit_code"] as? Int == 5)
    #expect(same(missing.json, try home.run(["config", "get", "nope"]).error))
    let token = try await server.call("auth_token")
    #expect(token.code == "CREDENTIALS_MISSING" && token.json?["exit_code"] as? Int == 8, "\(token)")
    #expect(same(token.json, try home.run(["auth", "token"]).error))
    let lock = try await server.call("lock_status")
    #expect(lock.isError != true && lock.json?["held"] as? Bool == false, "\(lock)")

    // Per-call global options: this write goes to an instance's own document.
    let mine = try await server.call("config_set", ["key_value": ["mine=1"], "instance_id": "agent-7"])
    #expect(mine.json?["scope"] as? String == "instance" && mine.json?["instance_id"] as? String == "agent-7")
    #expect(
      try home.run(["--instance-id", "agent-7", "config", "get", "mine", "--scope", "instance"]).data?[
        "value"]
        as? String == "1")

    // Warnings come as a second text content: here, a shared write in a home with instances.
    let shared = try await server.call("config_set", ["key_value": ["team=blue"]])
    guard case .text(let notes, _, _)? = shared.content.dropFirst().first else {
      Issue.record("no warnings content: \(shared)")
      return
    }
    #expect(notes.contains("\"warnings\"") && notes.contains("--instance-id"), "\(notes)")
    // A boolean flag: config_unset's dry_run reports the effect and removes nothing.
    let dryRun = try await server.call("config_unset", ["keys": ["team"], "dry_run": true])
    #expect(dryRun.json?["dry_run"] as? Bool == true && dryRun.json?["effect"] is [String: Any], "\(dryRun)")
    #expect(try home.run(["config", "get", "team"]).data?["value"] as? String == "blue")

    // Arguments the tool does not take never reach tandem.
    let unknown = try await server.call("config_get", ["key": "a", "colour": "red"])
    #expect(unknown.code == "INVALID_ARGUMENT" && unknown.json?["exit_code"] as? Int == 2)
    let absent = try await server.call("config_get")
    #expect(
      absent.code == "INVALID_ARGUMENT" && (absent.json?["message"] as? String)?.contains("key") == true)
    // tandem's own argument checks come back the same way.
    let badKey = try await server.call("config_set", ["key_value": ["no-equals-sign"]])
    #expect(badKey.code == "INVALID_ARGUMENT" && badKey.json?["exit_code"] as? Int == 2, "\(badKey)")
    // A tool the server does not have is a protocol error.
    await #expect(throws: MCPError.self) { try await server.call("lock_run", ["command": ["true"]]) }

    let ended = await server.close()
    #expect(ended.status == 0 && ended.standardError.isEmpty, "\(ended)")
  }

  @Test("a busy lock: CONCURRENT_MODIFICATION, retryable, with retry_after_ms and the holder")
  func lockTimeout() async throws {
    let home = Home()
    let server = try await home.server(["TANDEM_LOCK_TIMEOUT": "30s"])
    let holder = try TandemBinary.start(["--home", home.path, "lock", "run", "--", "sleep", "300"])
    defer {
      kill(holder.pid, SIGTERM)
      _ = holder.wait()
    }
    let held = try await waitUntil { try await server.call("lock_status").json?["held"] as? Bool == true }
    #expect(held, "lock run never took the lock")
    // The per-call lock_timeout beats the server's TANDEM_LOCK_TIMEOUT.
    let busy = try await server.call("config_set", ["key_value": ["a=1"], "lock_timeout": "100ms"])
    #expect(busy.code == "CONCURRENT_MODIFICATION", "\(busy)")
    #expect(busy.json?["exit_code"] as? Int == 6 && busy.json?["retryable"] as? Bool == true)
    #expect(busy.json?["reason"] as? String == "lock_timeout" && busy.json?["retry_after_ms"] is Int)
    #expect(busy.json?["retry_strategy"] as? String == "exponential_backoff")
    #expect((busy.json?["holder"] as? [String: Any])?["pid"] is Int)
    #expect(try home.run(["config", "get", "a"]).errorCode == "NOT_FOUND", "nothing was written")
    #expect(await server.close().status == 0)
  }

  @Test("a cancelled call ends its tandem process, which writes nothing; the server goes on")
  func cancellation() async throws {
    let home = Home()
    let server = try await home.server()
    let holder = try TandemBinary.start(["--home", home.path, "lock", "run", "--", "sleep", "300"])
    defer {
      kill(holder.pid, SIGTERM)
      _ = holder.wait()
    }
    let held = try await waitUntil { try await server.call("lock_status").json?["held"] as? Bool == true }
    #expect(held, "lock run never took the lock")
    let waiting = try await server.client.send(
      CallTool.request(
        .init(name: "config_set", arguments: ["key_value": ["late=1"], "lock_timeout": "300s"])))
    let started = await waitUntil { childProcesses(of: server.pid).count == 1 }
    #expect(started, "the call's tandem process never started")
    try await server.client.cancelRequest(waiting.requestID, reason: "test")
    let gone = await waitUntil { childProcesses(of: server.pid).isEmpty }
    #expect(gone, "the cancelled call's tandem process still runs")
    await #expect(throws: CancellationError.self) { _ = try await waiting.value }
    kill(holder.pid, SIGTERM)
    #expect(try home.run(["config", "get", "late"]).errorCode == "NOT_FOUND", "the cancelled write happened")
    let after = try await server.call("config_set", ["key_value": ["after=1"]])
    #expect(after.isError != true, "\(after)")
    #expect(await server.close().status == 0)
  }

  @Test("auth_token returns the token as its result, and the server logs nothing")
  func token() async throws {
    let oauth = try OAuthTestServer()
    let home = Home()
    let refresh = try oauth.newGrant()
    let file = home.directory.appending("refresh-token")
    try Data((refresh + "\n").utf8).write(to: URL(fileURLWithPath: file))
    let login = try home.run(
      [
        "auth", "login", "--account", "main", "--token-url", oauth.tokenURL, "--client-id",
        OAuthTestServer.clientID,
      ],
      input: file)
    #expect(login.status == 0, "\(login.standardOutput) \(login.standardError)")
    let server = try await home.server()
    let token = try await server.call("auth_token")
    let access = try #require(token.json?["access_token"] as? String, "\(token)")
    #expect(token.isError != true && !access.isEmpty)
    #expect(try home.run(["auth", "token"]).data?["access_token"] as? String == access, "one token for both")
    let ended = await server.close()
    #expect(ended.status == 0)
    #expect(!ended.standardError.contains(access) && !ended.standardError.contains(refresh))
  }

  @Test("4 servers, concurrent read-modify-writes with if_revision and plain sets: no lost update")
  func concurrentServers() async throws {
    let home = Home()
    try home.run(["config", "set", "counter=0"])
    let servers = try await withThrowingTaskGroup(of: ServerConnection.self) { group in
      for _ in 0..<4 { group.addTask { try await home.server(["TANDEM_LOCK_TIMEOUT": "30s"]) } }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    let increments = 15
    let keysPerServer = 10
    let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
      for (index, server) in servers.enumerated() {
        group.addTask { try await Self.increment(server, times: increments) }
        // Plain sets of distinct keys, several calls in flight on one server at once.
        for key in 0..<keysPerServer {
          group.addTask {
            let set = try await server.call("config_set", ["key_value": ["w\(index)_k\(key)=v\(key)"]])
            return Outcome(problems: set.isError == true ? ["set w\(index)_k\(key): \(set.content)"] : [])
          }
        }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(outcomes.flatMap(\.problems) == [])
    let conflicts = outcomes.map(\.conflicts).reduce(0, +)
    // Four loops of get-then-set, each call a process: some sets must have met a newer
    // revision, or the test did not race at all.
    #expect(conflicts > 0, "no set met a newer revision: the servers did not run at the same time")
    func stored(_ key: String) throws -> String? {
      try home.run(["config", "get", key]).data?["value"] as? String
    }
    let counter = try stored("counter")
    #expect(counter == String(4 * increments), "lost updates: counter is \(counter ?? "missing")")
    for index in 0..<4 {
      for key in 0..<keysPerServer { #expect(try stored("w\(index)_k\(key)") == "v\(key)") }
    }
    for server in servers { #expect(await server.close().status == 0) }
  }

  /// Polls `condition` until it holds or a minute has passed. Generous: with tests running
  /// in parallel, the cooperative pool that the SDK's client tasks need can be busy for
  /// seconds.
  private func waitUntil(_ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
      if try await condition() { return true }
      try? await Task.sleep(for: .milliseconds(10))
    }
    return false
  }

  struct Outcome: Sendable {
    var conflicts = 0
    var problems: [String] = []
  }

  /// Reads `counter` and writes it plus one with if_revision, retrying on conflicts, `times`
  /// times.
  private static func increment(_ server: ServerConnection, times: Int) async throws -> Outcome {
    var outcome = Outcome()
    var done = 0
    while done < times && outcome.problems.isEmpty {
      let read = try await server.call("config_get", ["key": "counter"])
      guard let text = read.json?["value"] as? String, let value = Int(text),
        let revision = read.json?["revision"] as? Int
      else {
        outcome.problems.append("get: \(read.content)")
        break
      }
      let write = try await server.call(
        "config_set", ["key_value": ["counter=\(value + 1)"], "if_revision": .int(revision)])
      if write.isError != true {
        if write.json?["revision"] as? Int != revision + 1 {
          outcome.problems.append("set skipped a revision: \(write.json ?? [:])")
        }
        done += 1
      } else if write.code == "CONCURRENT_MODIFICATION" {
        outcome.conflicts += 1
        if write.json?["retryable"] as? Bool == true, let wait = write.json?["retry_after_ms"] as? Int {
          try await Task.sleep(for: .milliseconds(wait))
        }
      } else {
        outcome.problems.append("set: \(write.content)")
      }
    }
    return outcome
  }
}
