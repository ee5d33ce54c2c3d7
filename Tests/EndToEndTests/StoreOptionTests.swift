import Foundation
import TandemTestSupport
import Testing

/// `--store URL` / `TANDEM_STORE` through the built binaries: `tandem` serves the home's
/// files and hands a `postgresql://` store to `tandem-postgres` beside it, which serves it.
@Suite("--store and TANDEM_STORE through the binaries")
struct StoreOptionTests {
  /// `tandem-postgres` as it is installed: beside `tandem`.
  static var postgresBinary: String {
    URL(fileURLWithPath: TandemBinary.path).deletingLastPathComponent().appendingPathComponent(
      "tandem-postgres"
    )
    .path
  }

  /// A PostgreSQL URL that only the PostgreSQL store's own reading refuses: a misspelt
  /// `sslmode`. `tandem` links no PostgreSQL code, so that refusal shows that
  /// `tandem-postgres` answered.
  static let misspeltURL = "postgresql://agent@127.0.0.1:1/state?sslmod=disable"

  /// Whether `result` is the PostgreSQL store's refusal of ``misspeltURL``.
  static func isPostgresRefusal(_ result: TandemBinary.Result) -> Bool {
    result.status == 2 && result.errorCode == "INVALID_ARGUMENT"
      && (result.error?["message"] as? String)?.contains("unknown parameter \"sslmod\"") == true
  }

  @Test(
    "a scheme no store serves exits 2 on every route, names where it was given, never repeats the URL",
    arguments: [
      ["config", "set", "k=1"], ["config", "get", "k"], ["config", "get", "--show-scope", "k"],
      ["config", "unset", "--dry-run", "k"], ["config", "list"], ["config", "repair", "--dry-run"],
      ["lock", "status"], ["lock", "run", "--", "touch", "ran"],
    ])
  func unservedScheme(_ command: [String]) throws {
    let home = Home()
    let url = "mysql://admin:hunter2@db.example/app"
    for (arguments, environment, place) in [
      (["--store", url] + command, [:], "--store"),
      (["--store=" + url] + command, [:], "--store"),
      (command, ["TANDEM_STORE": url], "the environment variable TANDEM_STORE"),
    ] as [([String], [String: String], String)] {
      let result = try TandemBinary.run(home.args(arguments), environment: environment)
      #expect(result.status == 2, "\(arguments): \(result.standardOutput)")
      #expect(result.errorCode == "INVALID_ARGUMENT")
      let message = try #require(result.error?["message"] as? String)
      #expect(message.contains("no store serves mysql:// URLs, given in \(place)"), "\(message)")
      #expect(message.contains("postgresql://"), "the schemes served are named")
      #expect(result.error?["served_schemes"] as? [String] == ["postgresql", "postgres"])
      #expect(!result.standardOutput.contains("hunter2") && !result.standardError.contains("hunter2"))
    }
    #expect(!FileManager.default.fileExists(atPath: home.path), "nothing was created")
    #expect(!FileManager.default.fileExists(atPath: "ran"), "the command was not run")

    // In text mode: one line, the code and the exit code.
    let text = try TandemBinary.run(["--home", home.path, "--store", url] + command)
    #expect(text.status == 2 && text.standardOutput.isEmpty)
    #expect(text.standardError.split(separator: "\n").count == 1)
    #expect(text.standardError.hasSuffix("[INVALID_ARGUMENT, exit 2]\n"), "\(text.standardError)")
  }

  @Test("an empty --store or TANDEM_STORE is the home's files, and --store \"\" overrides the variable")
  func emptyIsTheFiles() throws {
    let home = Home()
    #expect(
      try TandemBinary.run(home.args(["config", "set", "a=1"]), environment: ["TANDEM_STORE": ""]).status == 0
    )
    let overridden = try TandemBinary.run(
      home.args(["--store", "", "config", "set", "b=2"]), environment: ["TANDEM_STORE": Self.misspeltURL])
    #expect(overridden.status == 0, "\(overridden.standardOutput)")
    #expect(overridden.data?["path"] as? String == home.path + "/config.json")
    #expect(try home.values() == ["a": "1", "b": "2"])
  }

  @Test(
    "tandem hands a postgresql:// store to tandem-postgres, from the flag in both spellings and the variable",
    arguments: ["config get k", "config set k=1", "lock status", "lock run -- true", "--help"])
  func handsOff(_ line: String) throws {
    let home = Home()
    let command = line.split(separator: " ").map(String.init)
    let postgresURL = Self.misspeltURL.replacingOccurrences(of: "postgresql://", with: "postgres://")
    for (arguments, environment) in [
      (["--store", Self.misspeltURL] + command, [:]),
      (["--store=" + postgresURL] + command, [:]),
      (command, ["TANDEM_STORE": Self.misspeltURL]),
    ] as [([String], [String: String])] {
      let result = try TandemBinary.run(home.args(arguments), environment: environment)
      if line == "--help" {
        // Answered before any store is reached, by tandem-postgres as by tandem.
        #expect(result.status == 0 && result.standardOutput.contains("--store"), "\(result.standardOutput)")
      } else {
        #expect(Self.isPostgresRefusal(result), "\(arguments): \(result.status) \(result.standardOutput)")
      }
    }
    // tandem-postgres run directly answers the same.
    if line != "--help" {
      let direct = try TandemBinary.startProgram(
        Self.postgresBinary, home.args(["--store", Self.misspeltURL] + command)
      ).wait()
      #expect(Self.isPostgresRefusal(direct), "\(direct.standardOutput)")
    }
  }

  @Test(
    "tandem-postgres is the same tool: the same version and manifest, and the home's files without --store")
  func sameTool() throws {
    let home = Home()
    let postgres = { (arguments: [String]) throws -> TandemBinary.Result in
      try TandemBinary.startProgram(Self.postgresBinary, arguments).wait()
    }
    #expect(try postgres(["--version"]).standardOutput == TandemBinary.run(["--version"]).standardOutput)
    let manifest = try postgres(["--output", "json", "manifest"])
    let ownManifest = try TandemBinary.run(["--output", "json", "manifest"])
    #expect(manifest.data?["etag"] as? String == ownManifest.data?["etag"] as? String)
    #expect(manifest.data?["etag"] != nil)
    let set = try postgres(home.args(["config", "set", "k=from-postgres-binary"]))
    #expect(set.status == 0, "\(set.standardOutput)")
    #expect(try home.values() == ["k": "from-postgres-binary"])
  }

  @Test("a tandem without tandem-postgres beside it exits 4 SETUP_REQUIRED, naming the file it looked for")
  func missingExecutable() throws {
    let alone = TemporaryDirectory("tandem-alone")
    let copy = alone.appending("tandem")
    // Copied by cp(1): a copy written here could be inherited, open for writing, by a process
    // another test starts meanwhile, and running it would then fail with ETXTBSY.
    #expect(try TandemBinary.startProgram("/bin/cp", [TandemBinary.path, copy]).wait().status == 0)
    let home = Home()
    for environment in [["TANDEM_STORE": Self.misspeltURL], [:]] {
      let arguments = home.args(
        (environment.isEmpty ? ["--store", Self.misspeltURL] : []) + ["config", "get", "k"])
      let result = try TandemBinary.startProgram(copy, arguments, environment: environment).wait()
      #expect(result.status == 4, "\(result.standardOutput)")
      let envelope = try #require(result.envelope, "\(result.standardOutput)")
      #expect(result.envelopeProblems().isEmpty, "\(result.envelopeProblems())")
      let error = try #require(envelope["error"] as? [String: Any])
      #expect(error["code"] as? String == "SETUP_REQUIRED")
      #expect(error["executable"] as? String == alone.appending("tandem-postgres"))
      let message = try #require(error["message"] as? String)
      #expect(message.contains(alone.appending("tandem-postgres") + " is missing"), "\(message)")
      #expect((error["fix_required"] as? String)?.contains("scripts/install") == true)
    }
    // The home's files need no tandem-postgres.
    #expect(try TandemBinary.startProgram(copy, home.args(["config", "set", "k=1"])).wait().status == 0)

    // Present but not executable: the same code, with the reason.
    #expect(
      FileManager.default.createFile(atPath: alone.appending("tandem-postgres"), contents: Data("x".utf8)))
    let denied = try TandemBinary.startProgram(
      copy, home.args(["--store", Self.misspeltURL, "config", "get", "k"])
    ).wait()
    #expect(denied.status == 4 && denied.errorCode == "SETUP_REQUIRED", "\(denied.standardOutput)")
    #expect(denied.error?["errno"] as? Int == Int(EACCES))
  }

  @Test("a PostgreSQL server that cannot be reached exits 12 UNAVAILABLE, retryable, through tandem")
  func unreachable() throws {
    let home = Home()
    // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    let result = try TandemBinary.run(
      home.args(["--store", "postgresql://agent@127.0.0.1:1/state?connect_timeout=5", "config", "get", "k"]))
    #expect(result.status == 12, "\(result.standardOutput)")
    #expect(result.errorCode == "UNAVAILABLE")
    #expect(result.error?["retryable"] as? Bool == true && result.error?["retry_after_ms"] is Int)
    #expect(!FileManager.default.fileExists(atPath: home.path), "nothing was created")
  }

  @Test("a link to tandem finds tandem-postgres beside the real executable")
  func throughLink() throws {
    let elsewhere = TemporaryDirectory("tandem-link")
    let link = elsewhere.appending("tandem")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: TandemBinary.path)
    let home = Home()
    let result = try TandemBinary.startProgram(
      link, home.args(["--store", Self.misspeltURL, "config", "get", "k"])
    ).wait()
    #expect(Self.isPostgresRefusal(result), "\(result.standardOutput)")
  }

  @Test(
    "commands kept in the home's files refuse a postgresql:// store with exit 2 and create nothing",
    arguments: [
      ["instances", "list"], ["instances", "remove", "agent-1"],
      ["run", "--serialize", "--", "touch", "ran"],
      ["--instance-id", "agent-1", "env", "--isolate", "--tool", "git"],
    ])
  func fileStoreOnly(_ command: [String]) throws {
    let home = Home()
    let url = "postgresql://agent@127.0.0.1:1/state"
    let result = try TandemBinary.run(home.args(["--store", url] + command))
    #expect(result.status == 2, "\(result.standardOutput)")
    #expect(result.errorCode == "INVALID_ARGUMENT")
    let message = try #require(result.error?["message"] as? String)
    #expect(message.hasPrefix("tandem "), "\(message)")
    #expect(
      message.contains("keeps its state in the home's files only, not in the postgresql store"), "\(message)")
    #expect(message.contains("serves the config, lock and auth commands"))
    #expect(result.error?["fix_required"] as? String == "leave --store out")
    #expect(!FileManager.default.fileExists(atPath: home.path), "nothing was created")
    #expect(!FileManager.default.fileExists(atPath: "ran"), "the command was not run")

    // From the variable, the fix says to unset it.
    let fromVariable = try TandemBinary.run(home.args(command), environment: ["TANDEM_STORE": url])
    #expect(fromVariable.status == 2)
    #expect((fromVariable.error?["fix_required"] as? String)?.hasPrefix("unset TANDEM_STORE") == true)
  }

  @Test("demo refuses --store without repeating it")
  func demoRefusesStore() throws {
    let result = try TandemBinary.run(["--output", "json", "demo", "--store", "postgresql://a:secret@h/db"])
    #expect(result.status == 2)
    #expect(result.error?["option"] as? String == "--store")
    #expect(!result.standardOutput.contains("secret"))
  }
}
