import Foundation
import TandemTestSupport
import Testing

/// What `tandem` prints, through the built binary: the revision-mismatch error, failed
/// writes of standard output, and the escaping of stored data in text mode.
@Suite("output correctness through the binary", .serialized)
struct OutputCorrectnessTests {
  /// `PATH` with the built `tandem` first, as an installed one would be, for running
  /// `fix_command`s verbatim.
  private var pathWithTandem: String {
    let binDirectory = URL(fileURLWithPath: TandemBinary.path).deletingLastPathComponent().path
    return binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
  }

  /// Runs a shell script with `$0` the tool and `$1` the home.
  private func shell(_ script: String, home: String) throws -> TandemBinary.Result {
    try TandemBinary.startProgram("/bin/sh", ["-c", script, TandemBinary.path, home]).wait()
  }

  // MARK: revision mismatch

  @Test("a revision mismatch is not retryable: current revision, a runnable fix_command, schema-valid")
  func revisionMismatch() throws {
    let home = Home()
    try home.run(["config", "set", "k=1"])
    try home.run(["config", "set", "k=2"])
    let refused = try home.run(["config", "set", "--if-revision", "1", "k=3"])
    #expect(refused.status == 6)
    let error = try #require(refused.error)
    #expect(error["code"] as? String == "CONCURRENT_MODIFICATION")
    #expect(error["reason"] as? String == "revision_mismatch")
    #expect(error["retryable"] as? Bool == false, "the identical call can never succeed")
    #expect(error["retry_after_ms"] == nil && error["retry_strategy"] == nil, "present only when retryable")
    #expect(error["expected_revision"] as? Int == 1)
    #expect(error["current_revision"] as? Int == 2)
    #expect((error["fix_required"] as? String)?.contains("--if-revision 2") == true)
    #expect((error["suggestion"] as? String)?.contains("revision 2") == true)
    #expect(try home.values() == ["k": "2"], "nothing was written")
    let problems = try SchemaValidator.validateEnvelopes([(refused.standardOutput, refused.status)])
    #expect(problems.isEmpty, "\(problems)")

    // The fix command runs as it is, reads only, and shows the revision to retry with.
    let fix = try #require(error["fix_command"] as? String)
    #expect(fix.hasPrefix("tandem config list --scope shared"))
    let reread = try TandemBinary.startProgram("/bin/sh", ["-c", fix], environment: ["PATH": pathWithTandem])
      .wait()
    #expect(reread.status == 0, "\(fix): \(reread.standardError)")
    #expect((reread.data?["revisions"] as? [String: Any])?["shared"] as? Int == 2)
    #expect(try home.run(["config", "set", "--if-revision", "2", "k=3"]).status == 0)
  }

  @Test("the fix_command of an instance's mismatch repeats the caller's global flags and scope")
  func revisionMismatchInstance() throws {
    let home = Home()
    try home.run(["config", "set", "k=1"], instance: "agent-1")
    let refused = try home.run(["config", "set", "--if-revision", "7", "k=2"], instance: "agent-1")
    #expect(refused.status == 6 && refused.error?["retryable"] as? Bool == false)
    let fix = try #require(refused.error?["fix_command"] as? String)
    #expect(fix.contains("--scope instance") && fix.contains("--instance-id agent-1"))
    let reread = try TandemBinary.startProgram("/bin/sh", ["-c", fix], environment: ["PATH": pathWithTandem])
      .wait()
    #expect(reread.status == 0)
    #expect((reread.data?["revisions"] as? [String: Any])?["instance"] as? Int == 1)

    // In text mode, the one error line names the revision and the command.
    let text = try home.run(["config", "set", "--if-revision", "7", "k=2"], instance: "agent-1", json: false)
    #expect(text.status == 6)
    #expect(text.standardError.split(separator: "\n").count == 1)
    #expect(text.standardError.contains("retry with --if-revision 1"))
    #expect(text.standardError.contains("tandem config list --scope instance"))
  }

  @Test("a lock timeout stays retryable, with retry_after_ms and exponential back-off")
  func lockTimeoutStaysRetryable() throws {
    let home = Home()
    let holder = try home.start(["lock", "run", "--", "sleep", "1"], json: false)
    #expect(try home.waitUntilHeld())
    let blocked = try home.run(["--lock-timeout", "0", "config", "set", "k=1"])
    _ = holder.wait()
    #expect(blocked.status == 6)
    let error = try #require(blocked.error)
    #expect(error["reason"] as? String == "lock_timeout")
    #expect(error["retryable"] as? Bool == true)
    #expect(error["retry_after_ms"] is Int)
    #expect(error["retry_strategy"] as? String == "exponential_backoff")
    #expect(error["fix_command"] == nil)
    let problems = try SchemaValidator.validateEnvelopes([(blocked.standardOutput, blocked.status)])
    #expect(problems.isEmpty, "\(problems)")
  }

  // MARK: failed writes of standard output

  @Test("a result that cannot be written to standard output is exit 1 IO_ERROR, in both formats")
  func standardOutputFull() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    for format in ["text", "json"] {
      let result = try shell(
        "\"$0\" --home \"$1\" --output \(format) config get k > /dev/full", home: home.path)
      #expect(result.status == 1, "\(format): \(result.standardError)")
      #expect(result.standardError.contains("[IO_ERROR, exit 1]"))
      #expect(result.standardError.contains("could not be written to standard output"))
      #expect(result.standardError.split(separator: "\n").count == 1)
    }
    let json = try shell("\"$0\" --home \"$1\" --output json config get k > /dev/full", home: home.path)
    #expect(json.standardError.contains("JSON envelope"))
  }

  @Test("a write whose result cannot be printed says that the write happened")
  func committedWriteNotPrinted() throws {
    let home = Home()
    let result = try shell("\"$0\" --home \"$1\" config set k=written > /dev/full", home: home.path)
    #expect(result.status == 1)
    #expect(result.standardError.contains("any change it made is saved"))
    #expect(!result.standardError.contains("nothing was written"))
    #expect(try home.values() == ["k": "written"])
  }

  @Test("a failure whose envelope cannot be written keeps its exit code and reports on standard error")
  func failureEnvelopeNotPrinted() throws {
    let home = Home()
    let result = try shell("\"$0\" --home \"$1\" --output json config get nope > /dev/full", home: home.path)
    #expect(result.status == 5)
    #expect(result.standardError.contains("JSON envelope could not be written"))
    #expect(result.standardError.contains("[NOT_FOUND, exit 5]"))
  }

  @Test("a closed pipe on standard output is exit 1 IO_ERROR (EPIPE), not death by SIGPIPE")
  func closedPipe() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    // The read end is closed before tandem starts, so its write surely fails; SIGPIPE is
    // left at its default in the child (Python's restore_signals).
    let script = """
      import os, subprocess, sys
      r, w = os.pipe()
      os.close(r)
      p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
      sys.stderr.write(p.stderr.decode())
      sys.exit(p.returncode if p.returncode >= 0 else 128 - p.returncode)
      """
    let result = try TandemBinary.startProgram(
      "/usr/bin/env", ["python3", "-c", script, TandemBinary.path, "--home", home.path, "config", "list"]
    ).wait()
    #expect(result.status == 1, "\(result.standardError)")
    #expect(result.standardError.contains("[IO_ERROR, exit 1]"))
    #expect(result.standardError.contains("errno 32"))
  }

  // MARK: escaping of stored data in text mode

  static let hostile = "a\nforged=1\u{1b}]0;title\u{07}\u{1b}[31m\\n\t\u{202e}"

  @Test("config list: a value with newlines and escape bytes cannot forge lines or reach the terminal")
  func listEscapes() throws {
    let home = Home()
    try home.run(["config", "set", "k=\(Self.hostile)", "z=plain"])
    let list = try home.run(["config", "list"], json: false)
    #expect(list.status == 0)
    #expect(
      list.standardOutput == "k=\(TextEscapingExpectation.hostileEscaped)\nz=plain\n",
      "one line per key, C-style escapes, the backslash itself doubled")
    #expect(!list.standardOutput.unicodeScalars.contains { $0.value == 0x1b })
    // JSON stays exact.
    #expect(try home.values()["k"] == Self.hostile)
  }

  @Test("config get: exact when captured (as $(tandem config get k) wants it), JSON exact too")
  func getExactWhenCaptured() throws {
    let home = Home()
    try home.run(["config", "set", "k=\(Self.hostile)"])
    let text = try home.run(["config", "get", "k"], json: false)
    #expect(text.standardOutput == Self.hostile + "\n")
    let trailing = "line\n"
    try home.run(["config", "set", "t=\(trailing)"])
    #expect(
      try home.run(["config", "get", "t"], json: false).standardOutput == "line\n\n",
      "always exactly one newline after the value, so a trailing newline of the value shows")
    #expect(try home.run(["config", "get", "k"]).data?["value"] as? String == Self.hostile)
  }

  @Test("config get on a terminal: escaped, so the value's control characters do not reach it")
  func getEscapedOnTerminal() throws {
    let home = Home()
    try home.run(["config", "set", "k=\(Self.hostile)"])
    let result = try TandemBinary.runOnTerminal(["--home", home.path, "config", "get", "k"])
    #expect(result.status == 0, "\(result.standardError)")
    #expect(result.standardOutput == TextEscapingExpectation.hostileEscaped + "\n")
  }

  @Test("lock status, instances list and error lines escape stored paths and commands")
  func otherTextEscapes() throws {
    // A home whose path holds a newline and an escape byte: every text rendering of it.
    let directory = TemporaryDirectory("tandem-escape")
    let home = directory.appending("ho\nme\u{1b}[2J")
    let base = ["--home", home]
    #expect(try TandemBinary.run(base + ["config", "set", "k=1"]).status == 0)
    #expect(try TandemBinary.run(base + ["--instance-id", "a", "config", "set", "k=1"]).status == 0)

    let instances = try TandemBinary.run(base + ["instances", "list"])
    #expect(instances.status == 0)
    #expect(instances.standardOutput.split(separator: "\n").count == 1)
    #expect(instances.standardOutput.contains("ho\\nme\\x1b[2J"))

    let free = try TandemBinary.run(base + ["lock", "status"])
    #expect(free.standardOutput.split(separator: "\n").count == 1)
    #expect(!free.standardOutput.unicodeScalars.contains { $0.value == 0x1b })

    let mismatch = try TandemBinary.run(base + ["config", "set", "--if-revision", "0", "k=2"])
    #expect(mismatch.status == 6)
    #expect(mismatch.standardError.split(separator: "\n").count == 1)
    #expect(mismatch.standardError.contains("ho\\nme\\x1b[2J/config.json is at revision 1"))
    #expect(!mismatch.standardError.unicodeScalars.contains { $0.value == 0x1b })

    // The holder's command, as `lock run` records it, with a newline and an escape byte.
    let holder = try TandemBinary.start(base + ["lock", "run", "--", "sh", "-c", "sleep 1", "x\ny\u{1b}[2J"])
    var held: TandemBinary.Result?
    for _ in 0..<300 {
      let status = try TandemBinary.run(base + ["lock", "status"])
      if status.standardOutput.hasPrefix("held by pid") && status.standardOutput.contains("sleep") {
        held = status
        break
      }
      usleep(10_000)
    }
    _ = holder.wait()
    let status = try #require(held)
    #expect(status.standardOutput.split(separator: "\n").count == 1, "\(status.standardOutput)")
    #expect(status.standardOutput.contains("x\\ny\\x1b[2J"))
  }
}

/// ``OutputCorrectnessTests/hostile`` as text mode escapes it: C-style escapes, the
/// backslash itself doubled.
enum TextEscapingExpectation {
  static let hostileEscaped = "a\\nforged=1\\x1b]0;title\\x07\\x1b[31m\\\\n\\t\\u202e"
}
