import Foundation
import TandemTestSupport
import Testing

@Suite("lock run and lock status", .serialized)
struct LockCommandTests {
  @Test(
    "a writer that times out gets exit 6 with the holder, the reason and a retry time; nothing is written")
  func timeoutNamesHolder() throws {
    let home = Home()
    try home.run(["config", "set", "before=1"])
    let holder = try home.start(["lock", "run", "--", "sleep", "1.5"], instance: nil, json: false)
    #expect(try home.waitUntilHeld())
    let status = try home.run(["lock", "status"])
    let holderInfo = try #require(status.data?["holder"] as? [String: Any])
    #expect((holderInfo["command"] as? String)?.contains("sleep 1.5") == true)
    #expect(holderInfo["held_ms"] is Int)

    let blocked = try home.run(["--lock-timeout", "200ms", "config", "set", "after=1"], instance: nil)
    #expect(blocked.status == 6)
    let error = try #require(blocked.error)
    #expect(error["code"] as? String == "CONCURRENT_MODIFICATION")
    #expect(error["reason"] as? String == "lock_timeout")
    #expect((error["retry_after_ms"] as? Int ?? 0) >= 1)
    #expect(error["retry_strategy"] as? String == "exponential_backoff")
    let who = try #require(error["holder"] as? [String: Any])
    #expect(who["pid"] is Int && who["held_ms"] is Int)
    #expect((who["command"] as? String)?.contains("sleep 1.5") == true)

    let text = try home.run(["--lock-timeout", "0", "config", "set", "after=1"], json: false)
    #expect(text.status == 6)
    #expect(text.standardError.contains("is locked by pid"))
    #expect(text.standardError.contains("retry in about"))
    #expect(text.standardError.split(separator: "\n").count == 1)

    #expect(holder.wait().status == 0)
    #expect(try home.values() == ["before": "1"])
    #expect(try home.run(["lock", "status"]).data?["held"] as? Bool == false)
  }

  @Test("a writer waiting a second for a lock uses almost no CPU (whole process, all threads)")
  func idleWait() throws {
    let home = Home()
    let holder = try home.start(["lock", "run", "--", "sleep", "2"], json: false)
    #expect(try home.waitUntilHeld())
    let script = """
      import resource, subprocess, sys, time
      start = time.monotonic()
      status = subprocess.run(sys.argv[1:]).returncode
      usage = resource.getrusage(resource.RUSAGE_CHILDREN)
      print(status, time.monotonic() - start, usage.ru_utime + usage.ru_stime)
      """
    let measured = try TandemBinary.startProgram(
      "/usr/bin/env",
      ["python3", "-c", script, TandemBinary.path] + home.args(["config", "set", "k=v"], json: false)
    ).wait()
    let lastLine = measured.standardOutput.split(separator: "\n").last ?? ""
    let fields = lastLine.split(separator: " ").compactMap {
      Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    #expect(fields.count == 3)
    if fields.count == 3 {
      #expect(fields[0] == 0, "the writer gets the lock once the holder ends")
      #expect(fields[1] > 0.3, "it really waited (\(fields[1]) s)")
      #expect(fields[2] < 0.15, "it used \(fields[2]) s of CPU while waiting \(fields[1]) s")
    }
    _ = holder.wait()
  }

  @Test("tandem commands run under `lock run` use the held lock; other processes still wait")
  func nestedUnderLockRun() throws {
    let home = Home()
    let tandem = TandemBinary.path
    // Without the inherited lock, `--lock-timeout 0` inside would fail on its own parent.
    let inner = try TandemBinary.run(
      home.args(
        [
          "lock", "run", "--", "sh", "-c", "\"$0\" --home \"$1\" --lock-timeout 0 config set a=1", tandem,
          home.path,
        ],
        json: false))
    #expect(inner.status == 0, "\(inner.standardError)")
    let named = try TandemBinary.run(
      home.args(
        [
          "lock", "run", "--name", "n", "--", "sh", "-c",
          "\"$0\" --home \"$1\" --lock-timeout 0 lock run --name n -- true", tandem, home.path,
        ], json: false))
    #expect(named.status == 0, "\(named.standardError)")

    // Read, decide and write as one step: 6 agents x 5 increments, none lost, no --if-revision.
    try home.run(["config", "set", "n=0"])
    let step =
      "v=$(\"$0\" --home \"$1\" config get n) && \"$0\" --home \"$1\" --lock-timeout 0 config set n=$((v+1))"
    let agents = try (0..<6).map { _ in
      try TandemBinary.startProgram(
        "/bin/sh",
        [
          "-c",
          "for i in 1 2 3 4 5; do \"$0\" --home \"$1\" lock run -- sh -c '\(step)' \"$0\" \"$1\" || exit 1; done",
          tandem, home.path,
        ])
    }
    #expect(agents.map { $0.wait().status } == Array(repeating: 0, count: 6))
    #expect(try home.values()["n"] == "30")

    // A process that did not inherit the lock still waits for it.
    let holder = try home.start(["lock", "run", "--", "sleep", "1"], json: false)
    #expect(try home.waitUntilHeld())
    #expect(try home.run(["--lock-timeout", "0", "config", "set", "b=1"]).status == 6)
    let forged = try TandemBinary.run(
      home.args(["--lock-timeout", "0", "config", "set", "b=1"]),
      environment: ["TANDEM_HELD_LOCKS": "1:2:3,x"])
    #expect(forged.status == 6, "a listed lock that is not really held is ignored")
    _ = holder.wait()
  }

  @Test("lock run exits with the command's status")
  func exitStatus() throws {
    let home = Home()
    #expect(try home.run(["lock", "run", "--", "sh", "-c", "exit 3"], json: false).status == 3)
    let json = try home.run(["lock", "run", "--name", "x", "--", "sh", "-c", "echo hi; exit 0"])
    #expect(json.status == 0)
    #expect(json.data?["exit_code"] as? Int == 0)
    #expect(json.standardError.contains("hi"), "in JSON mode the command's output goes to stderr")
    let failed = try home.run(["lock", "run", "--", "sh", "-c", "exit 9"])
    #expect(failed.status == 9 && failed.errorCode == "COMMAND_FAILED")
    let missing = try home.run(["lock", "run", "--", "/no/such/program"])
    #expect(missing.status == 5 && missing.errorCode == "NOT_FOUND")
    #expect(try home.run(["lock", "run"]).status == 2)
  }

  @Test(
    "lock run nested 65 deep runs its command; a 66th level is refused at once with LIMIT_EXCEEDED (exit 2), not after the lock timeout"
  )
  func nestingLimit() throws {
    let home = Home()
    // A timeout far longer than the chains take, even on a loaded machine: a level that
    // waited would show.
    let environment = ["TANDEM_HOME": home.path, "TANDEM_LOCK_TIMEOUT": "5m"]
    func chain(_ depth: Int, _ command: [String]) -> [String] {
      ["lock", "run", "--"] + (1..<depth).flatMap { _ in [TandemBinary.path, "lock", "run", "--"] } + command
    }
    let deepest = try TandemBinary.run(chain(65, ["sh", "-c", "echo deep"]), environment: environment)
    #expect(deepest.status == 0, "\(deepest.standardError)")
    #expect(deepest.standardOutput == "deep\n")
    let clock = ContinuousClock()
    let started = clock.now
    let tooDeep = try TandemBinary.run(chain(66, ["sh", "-c", "echo too deep"]), environment: environment)
    let took = clock.now - started
    #expect(tooDeep.status == 2, "\(tooDeep.standardError)")
    #expect(tooDeep.standardError.contains("65 levels deep"), "\(tooDeep.standardError)")
    #expect(tooDeep.standardError.contains("LIMIT_EXCEEDED"), "\(tooDeep.standardError)")
    #expect(tooDeep.standardOutput.isEmpty, "the innermost command did not run")
    #expect(took < .seconds(150), "refused at once, not after the 5 min lock timeout: \(took)")
    // The lock is free afterwards.
    #expect(try home.run(["--lock-timeout", "0", "config", "set", "after=1"]).status == 0)
  }

  @Test(
    "a program that exists but cannot be executed is PERMISSION_DENIED (exit 7) with a fix that fits; nothing runs"
  )
  func programNotExecutable() throws {
    let home = Home()
    let plain = home.directory.appending("not-executable")
    try "touch \(home.directory.appending("ran"))\n".write(toFile: plain, atomically: true, encoding: .utf8)
    let noFormat = home.directory.appending("no-format")
    try Data([0x7F, 0x45, 0x4C, 0x46, 0x00]).write(to: URL(fileURLWithPath: noFormat))
    chmod(noFormat, 0o755)
    var envelopes: [(String, Int32)] = []
    for (program, fix) in [(plain, "chmod +x"), (noFormat, "#! line")] {
      for command in [["lock", "run", "--"], ["run", "--serialize", "--tool", "t", "--"]] {
        let result = try home.run(command + [program])
        envelopes.append((result.standardOutput, result.status))
        #expect(result.status == 7 && result.errorCode == "PERMISSION_DENIED", "\(command) \(program)")
        #expect((result.error?["fix_required"] as? String)?.contains(fix) == true)
        let text = try home.run(command + [program], json: false)
        #expect(text.status == 7 && text.standardError.contains("[PERMISSION_DENIED, exit 7]"))
      }
    }
    #expect(try SchemaValidator.validateEnvelopes(envelopes) == [])
    #expect(!FileManager.default.fileExists(atPath: home.directory.appending("ran")))
  }

  @Test(
    "started with standard input and output closed, lock run never gives its lock file to the command as output"
  )
  func closedStandardDescriptors() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    let lockFile = home.path + "/config.json.lock"
    let size = { (try FileManager.default.attributesOfItem(atPath: lockFile)[.size] as? Int) ?? -1 }
    let before = try size()
    // The shell closes 0 and 1 for tandem: its first opens (the home, the lock file) would
    // get those numbers, and the command inherits the lock's descriptor.
    for closing in ["<&- >&-", ">&-", "<&- >&- 2>&-"] {
      let run = try TandemBinary.startProgram(
        "/bin/sh",
        [
          "-c", "exec \"$0\" --home \"$1\" lock run -- head -c 100000 /dev/zero \(closing)",
          TandemBinary.path, home.path,
        ]
      ).wait()
      #expect(run.status != 0, "the command's output has nowhere to go: \(closing)")
      #expect(try size() == before, "the command wrote into the lock file: \(closing)")
    }
    let status = try home.run(["lock", "status"])
    #expect(status.status == 0 && status.data?["held"] as? Bool == false, "\(status.standardOutput)")
    #expect(try home.run(["config", "set", "k=w"]).data?["revision"] as? Int == 2)
  }

  @Test(
    "in JSON mode with standard error closed, the command runs (its output has nowhere to go) and the envelope says so"
  )
  func jsonModeClosedStandardError() throws {
    let home = Home()
    let marker = home.directory.appending("ran")
    var envelopes: [(String, Int32)] = []
    for command in [["lock", "run", "--"], ["run", "--serialize", "--tool", "t", "--"]] {
      let arguments = home.args(command + ["sh", "-c", "echo out; touch \"$0\"", marker])
      let run = try TandemBinary.startProgram(
        "/bin/sh", ["-c", #"exec "$@" 2>&-"#, "sh", TandemBinary.path] + arguments
      ).wait()
      envelopes.append((run.standardOutput, run.status))
      #expect(run.status == 0, "\(command): \(run.standardOutput)")
      #expect(FileManager.default.fileExists(atPath: marker), "\(command): the command did not run")
      try? FileManager.default.removeItem(atPath: marker)
    }
    #expect(try SchemaValidator.validateEnvelopes(envelopes) == [])
  }

  @Test("the command gets an environment value that is not UTF-8 byte for byte, as it would without tandem")
  func environmentBytesPassThrough() throws {
    let home = Home()
    for command in [
      "lock run --", "run --serialize --tool t --", "--instance-id a run --isolate --tool t --",
    ] {
      // 0xFF is not UTF-8: decoded and encoded again it would reach the command as EF BF BD.
      let script =
        #"FOO=$(printf 'x\377y') exec "$0" --home "$1" "# + command
        + #" sh -c 'printf %s "$FOO" | od -An -tx1'"#
      let run = try TandemBinary.startProgram(
        "/bin/sh", ["-c", script, TandemBinary.path, home.path]
      ).wait()
      #expect(run.status == 0, "\(command): \(run.standardError)")
      #expect(
        run.standardOutput.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
          == ["78", "ff", "79"], "\(command): \(run.standardOutput)")
    }
  }

  @Test(
    "lock status on a FIFO planted at a lock file's path answers UNSAFE_STATE_PATH at once, as writers do")
  func statusOfFIFO() throws {
    let home = Home()
    try FileManager.default.createDirectory(atPath: home.path + "/locks", withIntermediateDirectories: true)
    #expect(mkfifo(home.path + "/config.json.lock", 0o600) == 0)
    #expect(mkfifo(home.path + "/locks/x.lock", 0o600) == 0)
    var envelopes: [(String, Int32)] = []
    for arguments in [["lock", "status"], ["lock", "status", "--name", "x"]] {
      // `timeout` ends a call that blocks (status 124).
      let status = try TandemBinary.startProgram(
        "/usr/bin/env", ["timeout", "20", TandemBinary.path] + home.args(arguments)
      ).wait()
      envelopes.append((status.standardOutput, status.status))
      #expect(status.status == 4 && status.errorCode == "UNSAFE_STATE_PATH", "\(arguments): \(status.status)")
    }
    #expect(try SchemaValidator.validateEnvelopes(envelopes) == [])
  }

  @Test("if tandem is killed with SIGKILL, the command keeps the lock until it ends")
  func killedParentKeepsLock() throws {
    let home = Home()
    let marker = home.directory.appending("done")
    let holder = try home.start(
      ["lock", "run", "--name", "deploy", "--", "sh", "-c", "sleep 1.2; touch \(marker)"], json: false)
    #expect(try home.waitUntilHeld(name: "deploy"))
    kill(holder.pid, SIGKILL)
    // (Not holder.wait(): its output pipes stay open in the orphaned command until it ends.)
    usleep(100_000)
    let blocked = try home.run(["--lock-timeout", "0", "lock", "run", "--name", "deploy", "--", "true"])
    #expect(blocked.status == 6, "the orphaned command must still hold the lock")
    #expect(!FileManager.default.fileExists(atPath: marker))
    let waited = try home.run(["--lock-timeout", "10s", "lock", "run", "--name", "deploy", "--", "true"])
    #expect(waited.status == 0)
    #expect(FileManager.default.fileExists(atPath: marker), "the lock was free only after the command ended")
  }

  @Test("a holder killed with SIGKILL leaves no stale lock")
  func noStaleLock() throws {
    let home = Home()
    let holder = try home.start(["lock", "run", "--", "sleep", "30"], json: false)
    #expect(try home.waitUntilHeld())
    let command = try #require(
      (try home.run(["lock", "status"]).data?["holder"] as? [String: Any])?["pid"] as? Int)
    #expect(Int32(command) != holder.pid, "the holder record names the command's own process")
    kill(holder.pid, SIGKILL)
    kill(Int32(command), SIGKILL)
    _ = holder.wait()
    let start = Date()
    let write = try home.run(["--lock-timeout", "5s", "config", "set", "k=v"])
    #expect(write.status == 0)
    #expect(Date().timeIntervalSince(start) < 2)
  }

  @Test("signals sent to tandem reach the command")
  func signalsForwarded() throws {
    let home = Home()
    // A bounded loop: it ends by itself after about 10 s with status 7 if no signal arrives.
    let running = try home.start(
      [
        "lock", "run", "--", "sh", "-c",
        "trap 'exit 42' TERM; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; exit 7",
      ],
      json: false)
    #expect(try home.waitUntilHeld())
    usleep(100_000)
    kill(running.pid, SIGTERM)
    #expect(running.wait().status == 42)
  }

  @Test("instance writes are serialized by lock run on that instance only")
  func perNamespace() throws {
    let home = Home()
    let holder = try home.start(["lock", "run", "--", "sleep", "1"], instance: "a", json: false)
    #expect(try home.waitUntilHeld(instance: "a"))
    #expect(try home.run(["--lock-timeout", "0", "config", "set", "k=1"], instance: "b").status == 0)
    #expect(try home.run(["--lock-timeout", "0", "config", "set", "k=1"], instance: "a").status == 6)
    #expect(try home.run(["--lock-timeout", "0", "config", "set", "k=1"]).status == 0)
    #expect(holder.wait().status == 0)
  }
}
