import Foundation
import TandemTestSupport
import Testing

/// Errors a person can act on, through the built binary: each names what was typed (or set)
/// and what to do, with its code and exit status; and the everyday refusals that used to be
/// silent (an empty `--home`, a `~` no shell expanded).
@Suite("Error messages name what the user typed and what to do", .serialized)
struct ActionableErrorTests {
  /// The two routes: the hand-parsed fast one (the default) and the full parser.
  static let routes: [(name: String, environment: [String: String])] = [
    ("fast", [:]), ("parser", ["TANDEM_FAST_PATH": "0"]),
  ]

  @Test(
    "a bad TANDEM_LOCK_TIMEOUT leaves reads alone and fails writes naming the variable; nothing is written")
  func badLockTimeoutVariable() throws {
    for route in Self.routes {
      let home = Home()
      try home.run(["config", "set", "k=1"])
      let variables = route.environment.merging(["TANDEM_LOCK_TIMEOUT": "soon"]) { $1 }
      for read in [
        ["config", "get", "k"], ["config", "list"], ["lock", "status"], ["instances", "list"],
        ["instances", "remove", "--dry-run", "--ignore-not-found", "nobody"],
      ] {
        let result = try TandemBinary.run(home.args(read), environment: variables)
        #expect(result.status == 0, "\(route.name) \(read): \(result.standardOutput)")
      }
      for write in [["config", "set", "k=2"], ["config", "unset", "k"], ["lock", "run", "--", "true"]] {
        let refused = try TandemBinary.run(home.args(write), environment: variables)
        #expect(refused.status == 2, "\(route.name) \(write)")
        let error = try #require(refused.error)
        #expect(error["code"] as? String == "INVALID_ARGUMENT")
        let message = try #require(error["message"] as? String)
        #expect(
          message.hasPrefix("invalid lock timeout \"soon\" in the environment variable TANDEM_LOCK_TIMEOUT: ")
        )
        #expect(!message.contains("--lock-timeout"), "the user typed no flag: \(message)")
        #expect(
          error["fix_required"] as? String
            == "set TANDEM_LOCK_TIMEOUT to a duration such as 5s, or unset it for the default, 5s")
      }
      #expect(try home.values() == ["k": "1"], "\(route.name): nothing was written")

      let text = try TandemBinary.run(
        home.args(["config", "set", "k=3"], json: false), environment: variables)
      #expect(text.status == 2)
      #expect(text.standardError.hasSuffix("[INVALID_ARGUMENT, exit 2]\n"))
      #expect(text.standardError.contains("TANDEM_LOCK_TIMEOUT"))
    }
    // The flag is named as the flag.
    let home = Home()
    let flagged = try home.run(["--lock-timeout", "soon", "config", "set", "k=1"])
    #expect(flagged.status == 2)
    #expect(
      (flagged.error?["message"] as? String)?.hasPrefix("invalid lock timeout \"soon\" in --lock-timeout:")
        == true)
    #expect(flagged.error?["fix_required"] as? String == "pass --lock-timeout a duration such as 5s")
  }

  @Test("a bad TANDEM_INSTANCE_ID names the variable and says an instance id")
  func badInstanceVariable() throws {
    for route in Self.routes {
      let home = Home()
      let result = try TandemBinary.run(
        home.args(["config", "get", "k"]),
        environment: route.environment.merging(["TANDEM_INSTANCE_ID": "a/b"]) { $1 })
      #expect(result.status == 2, "\(route.name)")
      let error = try #require(result.error)
      #expect(error["code"] as? String == "INVALID_ARGUMENT")
      #expect(
        (error["message"] as? String)?.hasPrefix(
          "invalid instance id \"a/b\" in the environment variable TANDEM_INSTANCE_ID: use 1 to 64 characters"
        )
          == true, "\(error)")
      let fix = try #require(error["fix_required"] as? String)
      #expect(fix.hasPrefix("set TANDEM_INSTANCE_ID to an instance id matching "))
      #expect(fix.hasSuffix("or unset it for the shared namespace"))
    }
    let positional = try Home().run(["instances", "remove", "a/b"])
    #expect(positional.status == 2)
    #expect((positional.error?["fix_required"] as? String)?.hasPrefix("pass an instance id matching") == true)
  }

  @Test("a bad TANDEM_OUTPUT is answered with a valid envelope on stdout and the line on stderr")
  func badOutputVariable() throws {
    for route in Self.routes {
      let home = Home()
      let result = try TandemBinary.run(
        home.args(["config", "get", "k"], json: false),
        environment: route.environment.merging(["TANDEM_OUTPUT": "yaml"]) { $1 })
      #expect(result.status == 2, "\(route.name)")
      #expect(result.envelopeProblems().isEmpty, "\(result.envelopeProblems())")
      let error = try #require(result.error)
      #expect(error["code"] as? String == "INVALID_ARGUMENT")
      #expect(
        error["message"] as? String
          == "invalid output format \"yaml\" in the environment variable TANDEM_OUTPUT: use text or json")
      #expect(
        error["fix_required"] as? String
          == "set TANDEM_OUTPUT to text or json, or unset it for the default, text")
      #expect(
        result.standardError.hasPrefix("error: invalid output format \"yaml\" in the environment variable"))
      #expect(result.standardError.hasSuffix("[INVALID_ARGUMENT, exit 2]\n"))
    }
    let flagged = try TandemBinary.run(["-o", "yaml", "config", "get", "k"])
    #expect(flagged.status == 2 && flagged.envelopeProblems().isEmpty)
    #expect((flagged.error?["message"] as? String)?.contains("\"yaml\" in -o: use text or json") == true)
  }

  @Test("--home \"\" is refused naming --home; TANDEM_HOME=\"\" means unset; nothing is created")
  func emptyHome() throws {
    let scratch = TemporaryDirectory("tandem-e2e")
    let user = scratch.appending("user")
    try FileManager.default.createDirectory(atPath: user, withIntermediateDirectories: true)
    let refused = try TandemBinary.run(
      ["--output", "json", "--home", "", "config", "set", "k=1"], environment: ["HOME": user])
    #expect(refused.status == 2)
    #expect(refused.error?["code"] as? String == "INVALID_ARGUMENT")
    #expect(
      (refused.error?["message"] as? String)?.hasPrefix(
        "--home is empty: give it a directory, or leave it out for the default home, ~/.tandem") == true)
    #expect(try FileManager.default.contentsOfDirectory(atPath: user).isEmpty, "nothing was created")

    let unset = try TandemBinary.run(
      ["--output", "json", "config", "set", "k=1"], environment: ["HOME": user, "TANDEM_HOME": ""])
    #expect(unset.status == 0)
    #expect(unset.data?["path"] as? String == user + "/.tandem/config.json")
  }

  @Test("a home starting with ~ is expanded from HOME (never a directory named ~); ~user is refused")
  func tildeHome() throws {
    let scratch = TemporaryDirectory("tandem-e2e")
    let user = scratch.appending("user")
    let work = scratch.appending("work")
    for directory in [user, work] {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    // Run from `work`, where a literal `~` would appear.
    let script = "cd \"$1\" && shift && exec \"$@\""
    func run(_ arguments: [String], _ variables: [String: String]) throws -> TandemBinary.Result {
      try TandemBinary.startProgram(
        "/bin/sh", ["-c", script, "sh", work, TandemBinary.path] + arguments,
        environment: variables.merging(["HOME": user]) { $1 }
      ).wait()
    }
    let fromVariable = try run(["--output", "json", "config", "set", "k=1"], ["TANDEM_HOME": "~/state"])
    #expect(fromVariable.status == 0, "\(fromVariable.standardOutput)")
    #expect(fromVariable.data?["path"] as? String == user + "/state/config.json")
    let fromFlag = try run(["--output", "json", "--home=~/flag", "config", "set", "k=1"], [:])
    #expect(fromFlag.data?["path"] as? String == user + "/flag/config.json")
    #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty, "no directory named ~")

    let otherUser = try run(["--output", "json", "config", "set", "k=1"], ["TANDEM_HOME": "~root/state"])
    #expect(otherUser.status == 2)
    #expect(otherUser.error?["code"] as? String == "INVALID_ARGUMENT")
    let message = try #require(otherUser.error?["message"] as? String)
    #expect(
      message.contains(
        "\"~root/state\" in the environment variable TANDEM_HOME starts with ~, which no shell expanded"))
    #expect(
      otherUser.error?["fix_required"] as? String
        == "set TANDEM_HOME to the home's full path, or unset it for the default home, ~/.tandem")
    #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty)
  }

  @Test("a lock run that timed out says the command was not run, and it was not")
  func lockRunTimeout() throws {
    let home = Home()
    let marker = home.directory.appending("ran")
    let holder = try home.start(["lock", "run", "--", "sleep", "1.5"], json: false)
    #expect(try home.waitUntilHeld())
    let command = ["lock", "run", "--", "touch", marker]
    let json = try home.run(["--lock-timeout", "100ms"] + command)
    #expect(json.status == 6)
    let error = try #require(json.error)
    #expect(
      error["code"] as? String == "CONCURRENT_MODIFICATION" && error["reason"] as? String == "lock_timeout")
    let message = try #require(error["message"] as? String)
    #expect(message.contains("gave up after 100ms; the command was not run; retry in about"), "\(message)")
    #expect(!message.contains("nothing was written"))
    let text = try home.run(["--lock-timeout", "0"] + command, json: false)
    #expect(text.status == 6)
    #expect(text.standardError.contains("the command was not run"))
    #expect(holder.wait().status == 0)
    #expect(!FileManager.default.fileExists(atPath: marker), "the command never ran")
  }

  @Test("lock run passes a command's non-zero status on quietly in text mode, as an envelope in JSON mode")
  func lockRunStatus() throws {
    let home = Home()
    let text = try home.run(["lock", "run", "--", "sh", "-c", "echo out; exit 3"], json: false)
    #expect(text.status == 3)
    #expect(text.standardOutput == "out\n")
    #expect(text.standardError.isEmpty, "no error line of tandem's own: \(text.standardError)")
    let json = try home.run(["lock", "run", "--", "sh", "-c", "exit 3"])
    #expect(json.status == 3)
    let error = try #require(json.error)
    #expect(error["code"] as? String == "COMMAND_FAILED")
    #expect(error["command_exit_code"] as? Int == 3 && error["exit_code"] as? Int == 3)
    // A killed command still gets its line: that is not an answer the command chose.
    let killed = try home.run(["lock", "run", "--", "sh", "-c", "kill -TERM $$"], json: false)
    #expect(killed.status == 143)
    #expect(killed.standardError.contains("killed by signal 15"))
  }

  @Test("--if-revision ahead of the document says so, not that another writer changed it")
  func revisionAhead() throws {
    let home = Home()
    try home.run(["config", "set", "k=1"])
    for route in Self.routes {
      let ahead = try TandemBinary.run(
        home.args(["config", "set", "--if-revision", "7", "k=2"]), environment: route.environment)
      #expect(ahead.status == 6, "\(route.name)")
      let error = try #require(ahead.error)
      #expect(error["code"] as? String == "CONCURRENT_MODIFICATION")
      #expect(error["reason"] as? String == "revision_mismatch")
      let message = try #require(error["message"] as? String)
      #expect(message.contains("is at revision 1, not 7: revision 7 is ahead of the document"), "\(message)")
      #expect(!message.contains("another writer"))
      #expect((error["fix_required"] as? String)?.contains("--if-revision 1") == true)
    }
    try home.run(["config", "set", "k=2"])
    let behind = try home.run(["config", "set", "--if-revision", "1", "k=3"])
    #expect((behind.error?["message"] as? String)?.contains("another writer changed it first") == true)
  }

  @Test("instances remove --ignore-not-found: exit 0 and removed false when absent; invalid ids still exit 2")
  func ignoreNotFound() throws {
    let home = Home()
    let absent = try home.run(["instances", "remove", "--ignore-not-found", "ghost"])
    #expect(absent.status == 0)
    #expect(absent.data?["removed"] as? Bool == false && absent.data?["found"] as? Bool == false)
    #expect(((absent.data?["effect"] as? [String: Any])?["entries"] as? [Any])?.isEmpty == true)
    let text = try home.run(["instances", "remove", "--ignore-not-found", "ghost"], json: false)
    #expect(text.status == 0 && text.standardOutput == "no instance ghost to remove; nothing was changed\n")
    #expect(try home.run(["instances", "remove", "ghost"]).status == 5, "without the flag: not found")
    let invalid = try home.run(["instances", "remove", "--ignore-not-found", "../x"])
    #expect(invalid.status == 2 && invalid.error?["code"] as? String == "INVALID_ARGUMENT")

    try home.run(["config", "set", "k=1"], instance: "agent-1")
    let present = try home.run(["instances", "remove", "--ignore-not-found", "agent-1"])
    #expect(present.status == 0)
    #expect(present.data?["removed"] as? Bool == true && present.data?["found"] as? Bool == true)
    #expect((try home.run(["instances", "list"]).data?["instances"] as? [Any])?.isEmpty == true)
  }

  @Test("-o is --output, anywhere before --, on both routes")
  func shortOutput() throws {
    let home = Home()
    try home.run(["config", "set", "k=v"])
    for route in Self.routes {
      for arguments in [
        ["-o", "json", "config", "get", "k"], ["config", "get", "k", "-ojson"],
        ["config", "list", "-o=json"],
      ] {
        let result = try TandemBinary.run(["--home", home.path] + arguments, environment: route.environment)
        #expect(result.status == 0, "\(route.name) \(arguments)")
        #expect(
          result.envelope?["ok"] as? Bool == true, "\(route.name) \(arguments): \(result.standardOutput)")
      }
    }
  }

  @Test("help: one default per option, placeholders that say what to pass")
  func helpTexts() throws {
    let commands = [
      ["config", "get"], ["config", "set"], ["config", "unset"], ["config", "list"], ["config", "repair"],
      ["lock", "run"], ["lock", "status"], ["instances", "list"], ["instances", "remove"], ["auth", "login"],
      ["auth", "token"], ["auth", "refresh"], ["auth", "logout"], ["run"], ["env"],
    ]
    for command in commands {
      let help = try TandemBinary.run(command + ["--help"]).standardOutput
      #expect(help.contains("-o, --output <format>"), "\(command)")
      // swift-argument-parser adds "(default: V)" itself: a help text must not say it again.
      let options = help.components(separatedBy: "\n  -")
      for option in options {
        let flattened = option.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flattened.components(separatedBy: "(default").count <= 2, "\(command): \(flattened)")
      }
      for placeholder in ["<if-revision>", "<if-generation>", "<min-ttl>", "<stdin-timeout>"] {
        #expect(!help.contains(placeholder), "\(command): \(placeholder)")
      }
    }
    #expect(try TandemBinary.run(["config", "set", "--help"]).standardOutput.contains("--if-revision <n>"))
    #expect(
      try TandemBinary.run(["auth", "refresh", "--help"]).standardOutput.contains("--if-generation <n>"))
    let token = try TandemBinary.run(["auth", "token", "--help"]).standardOutput
    #expect(token.contains("--min-ttl <duration>"))
    #expect(token.components(separatedBy: "60s").count == 2, "one default: \(token)")
  }
}
