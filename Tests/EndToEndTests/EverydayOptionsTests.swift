import Foundation
import TandemTestSupport
import Testing

/// The everyday options and the text a person sees, through the built binary: `config get`
/// with several keys, `--default` and `--show-scope`; lists under a header at a terminal and
/// plain lines in a pipe; what `instances list` says an instance holds.
@Suite("Everyday options and text output", .serialized)
struct EverydayOptionsTests {
  /// Runs `tandem ARGS` with standard output on a pseudo-terminal.
  func onTerminal(_ arguments: [String]) throws -> TandemBinary.Result {
    try TandemBinary.runOnTerminal(arguments)
  }

  @Test("config get --default: exit 0 with the default for a missing key, and JSON says so")
  func getDefault() throws {
    let home = Home()
    try home.run(["config", "set", "set=yes"])
    let text = try home.run(["config", "get", "--default", "fallback", "missing"], json: false)
    #expect(text.status == 0 && text.standardOutput == "fallback\n", "\(text.standardError)")
    let json = try home.run(["config", "get", "missing", "--default", "fallback"])
    #expect(json.status == 0)
    let data = try #require(json.data)
    #expect(data["value"] as? String == "fallback" && data["default"] as? Bool == true)
    #expect(data["scope"] is NSNull && data["revision"] is NSNull)
    let present = try home.run(["config", "get", "--default", "fallback", "set"])
    #expect(present.data?["value"] as? String == "yes" && present.data?["default"] as? Bool == false)
    #expect(present.data?["scope"] as? String == "shared" && present.data?["revision"] as? Int == 1)
    // An empty default is a default too.
    #expect(try home.run(["config", "get", "--default", "", "missing"], json: false).standardOutput == "\n")

    let refused = try home.run(["config", "get", "missing"])
    #expect(refused.status == 5 && refused.errorCode == "NOT_FOUND")
    #expect(refused.error?["message"] as? String == "missing is not set")
    #expect((refused.error?["fix_required"] as? String)?.contains("--default VALUE") == true)
    #expect(refused.error?["missing"] as? [String] == ["missing"])
  }

  @Test("config get with several keys: one entry or line per key in order; missing keys named, exit 5")
  func getSeveral() throws {
    let home = Home()
    try home.run(["config", "set", "a=1", "b=two\nlines", "c=3"])
    try home.run(["config", "set", "c=33"], instance: "agent-1")
    let json = try home.run(["config", "get", "c", "a", "b"], instance: "agent-1")
    #expect(json.status == 0)
    let entries = try #require(json.data?["entries"] as? [[String: Any]])
    #expect(entries.map { $0["key"] as? String } == ["c", "a", "b"])
    #expect(entries.map { $0["value"] as? String } == ["33", "1", "two\nlines"])
    #expect(entries.map { $0["scope"] as? String } == ["instance", "shared", "shared"])
    let text = try home.run(["config", "get", "c", "a", "b"], instance: "agent-1", json: false)
    #expect(text.standardOutput == "33\n1\ntwo\\nlines\n", "one line per key, values escaped")

    for route in [[:], ["TANDEM_FAST_PATH": "0"]] {
      let missing = try TandemBinary.run(
        home.args(["config", "get", "a", "x", "b", "y"], json: false), environment: route)
      #expect(missing.status == 5)
      #expect(missing.standardOutput.isEmpty, "nothing printed when a key is missing")
      #expect(
        missing.standardError.hasPrefix("error: x and y are not set (fix: "), "\(missing.standardError)")
      #expect(missing.standardError.hasSuffix("[NOT_FOUND, exit 5]\n"))
    }
    let named = try home.run(["config", "get", "a", "x", "y"])
    #expect(named.error?["missing"] as? [String] == ["x", "y"])
    let defaulted = try home.run(["config", "get", "--default", "0", "a", "x"], json: false)
    #expect(defaulted.status == 0 && defaulted.standardOutput == "1\n0\n")
    let invalid = try home.run(["config", "get", "a", "bad key"])
    #expect(invalid.status == 2 && invalid.errorCode == "INVALID_ARGUMENT")
    let none = try home.run(["config", "get"])
    #expect(none.status == 2 && none.errorCode == "INVALID_ARGUMENT", "at least one key")
  }

  @Test("config get --show-scope: SCOPE<TAB>REVISION<TAB>VALUE, the value exact in a pipe")
  func getShowScope() throws {
    let home = Home()
    try home.run(["config", "set", "k=a\\b"])
    try home.run(["config", "set", "k=x", "j=2"])
    try home.run(["config", "set", "i=9"], instance: "agent-1")
    let shown = try home.run(["config", "get", "--show-scope", "k"], json: false)
    #expect(shown.standardOutput == "shared\t2\tx\n")
    try home.run(["config", "set", "k=a\\b"])
    #expect(
      try home.run(["config", "get", "--show-scope", "k"], json: false).standardOutput == "shared\t3\ta\\b\n",
      "the value exactly, backslash and all")
    let layered = try home.run(["config", "get", "--show-scope", "i", "j"], instance: "agent-1", json: false)
    #expect(layered.standardOutput == "instance\t1\t9\nshared\t3\t2\n")
    let defaulted = try home.run(["config", "get", "--show-scope", "--default", "d", "zz"], json: false)
    #expect(defaulted.standardOutput == "default\t-\td\n")
    // The revision it shows is the one --if-revision takes.
    let revision = try #require(shown.standardOutput.split(separator: "\t").dropFirst().first)
    #expect(try home.run(["config", "set", "--if-revision", String(revision), "k=y"]).status == 6)
    #expect(try home.run(["config", "set", "--if-revision", "3", "k=y"]).status == 0)
  }

  @Test("config get prints the value alone: the README's `$(tandem config get k)`")
  func getValueAlone() throws {
    let home = Home()
    try home.run(["config", "set", "region=us-east-1"])
    let result = try home.run(["config", "get", "region"], json: false)
    #expect(result.standardOutput == "us-east-1\n" && result.standardError.isEmpty)
  }

  @Test("config list: key=value lines in a pipe (SCOPE<TAB> first with --show-scope), a table at a terminal")
  func listText() throws {
    let home = Home()
    try home.run(["config", "set", "a=1", "b=x\ty"])
    try home.run(["config", "set", "b=2"], instance: "agent-1")
    let piped = try home.run(["config", "list"], instance: "agent-1", json: false)
    #expect(piped.standardOutput == "a=1\nb=2\n")
    let scoped = try home.run(["config", "list", "--show-scope"], instance: "agent-1", json: false)
    #expect(scoped.standardOutput == "shared\ta=1\ninstance\tb=2\n")
    let terminal = try onTerminal(["--home", home.path, "--instance-id", "agent-1", "config", "list"])
    #expect(terminal.status == 0, "\(terminal.standardError)")
    #expect(terminal.standardOutput == "KEY  VALUE  SCOPE\na    1      shared\nb    2      instance\n")
    // A tab in a value cannot open a column of its own.
    let shared = try onTerminal(["--home", home.path, "config", "list"])
    #expect(shared.standardOutput.contains("b    x\\ty   shared\n"), "\(shared.standardOutput)")
    // JSON is not a terminal's business.
    let json = try onTerminal(["--home", home.path, "--output", "json", "config", "list"])
    #expect(json.standardOutput.hasPrefix("{\"ok\":true"))
  }

  @Test("instances list says what an instance holds: an auth.json alone is not 'never written'")
  func instancesHold() throws {
    let home = Home()
    try home.run(["config", "set", "k=1"], instance: "configured")
    try home.run(["auth", "login", "--account", "ci", "--refresh-command", "true"])
    try home.run(["auth", "switch", "--account", "ci"], instance: "chose-account")
    try FileManager.default.createDirectory(
      atPath: home.path + "/instances/empty", withIntermediateDirectories: true)

    let json = try home.run(["instances", "list"])
    let instances = try #require(json.data?["instances"] as? [[String: Any]])
    let byID = Dictionary(uniqueKeysWithValues: instances.map { ($0["id"] as! String, $0) })
    #expect(byID["chose-account"]?["holds"] as? [String] == ["account"])
    #expect(byID["chose-account"]?["last_write"] is String, "its auth.json was written")
    #expect(byID["configured"]?["holds"] as? [String] == ["config"])
    #expect(byID["empty"]?["holds"] as? [String] == [] && byID["empty"]?["last_write"] is NSNull)

    let piped = try home.run(["instances", "list"], json: false).standardOutput.split(separator: "\n")
    #expect(piped.count == 3)
    let chose = try #require(piped.first { $0.hasPrefix("chose-account\t") }).split(separator: "\t")
    #expect(chose.count == 4 && chose[1] != "never written" && chose[3] == "account")
    #expect(piped.contains { $0.hasPrefix("empty\tnever written\t") && $0.hasSuffix("\t-") })

    let terminal = try onTerminal(["--home", home.path, "instances", "list"]).standardOutput
    let lines = terminal.split(separator: "\n")
    #expect(
      lines.first?.hasPrefix("ID") == true && lines.first?.contains("LAST WRITE") == true
        && lines.first?.contains("HOLDS") == true,
      "\(terminal)")
    #expect(lines.count == 4)
  }

  @Test("auth list: a table under a header at a terminal, the same lines as before in a pipe")
  func authListText() throws {
    let home = Home()
    try home.run(["auth", "login", "--account", "ci", "--refresh-command", "true"])
    try home.run(["auth", "login", "--account", "other", "--refresh-command", "true"])
    let piped = try home.run(["auth", "list"], json: false)
    #expect(piped.standardOutput == "* ci\tno access token yet\n  other\tno access token yet\n")
    let terminal = try onTerminal(["--home", home.path, "auth", "list"]).standardOutput
    #expect(
      terminal
        == "   ACCOUNT  KIND     STATE\n*  ci       command  no access token yet\n   other    command  no access token yet\n"
    )
    // An empty list prints nothing, not a lone header.
    #expect(try onTerminal(["--home", Home().path, "auth", "list"]).standardOutput.isEmpty)
  }
}
