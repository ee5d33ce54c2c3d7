import Foundation
import TandemTestSupport
import Testing

@Suite("notes' output: envelopes, its own --output, the async command")
struct EnvelopeTests {
  @Test("every kind of result and error notes prints validates against the spec, ok matching the exit code")
  func schema() throws {
    let home = NotesHome()
    var results: [BuiltProduct.Result] = []
    func run(_ arguments: [String], instance: String? = nil) throws {
      results.append(try home.run(arguments, instance: instance))
    }
    try run(["add", "one"])
    try run(["add", "two"], instance: "i1")
    try run(["list"])
    try run(["list"], instance: "i1")
    try run(["list", "--scope", "instance"], instance: "i1")
    try run(["remove", "1"])
    try run(["remove", "99"])
    try run(["add", "--if-revision", "0", "late"])
    try run(["list", "--scope", "instance"])
    try run(["add", "x"], instance: "../bad")
    try run(["add"])
    try run(["bogus"])
    try run([])
    try run(["export", "--output", home.directory.appending("out.md")], instance: "i1")
    try run(["export", "--output", home.directory.appending("missing/out.md")])
    try run(["export", "--output", home.directory.appending("out.md"), "--hold", "forever"])
    try run(["repair"])
    results.append(try BuiltProduct.notes.run(["--format", "json", "--lock-timeout", "abc", "list"]))
    let holder = try home.start(["export", "--output", home.directory.appending("held.md"), "--hold", "1s"])
    #expect(try home.waitUntilHeld(lock: "export"))
    try run(["--lock-timeout", "0", "export", "--output", home.directory.appending("refused.md")])
    #expect(holder.wait().status == 0)
    try home.directory.write("home/notes.json", Data("{".utf8))
    try run(["list"])

    let statuses = Set(results.map(\.status))
    #expect(statuses == [0, 2, 4, 5, 6], "the cases cover success and each kind of failure")
    let documents = results.map { ($0.standardOutput, $0.status) }
    for (text, status) in documents {
      #expect(
        text.split(separator: "\n").count == 1, "one JSON document per invocation (exit \(status)): \(text)")
    }
    let problems = try SchemaValidator.validateEnvelopes(documents)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("export --output FILE writes the file; --format json (or NOTES_FORMAT) gives the envelope")
  func ownOutputOption() throws {
    let home = NotesHome()
    try #require(try home.run(["add", "buy milk"]).status == 0)
    try #require(try home.run(["add", "line one\nline two"], instance: "a").status == 0)

    let file = home.directory.appending("notes.md")
    let json = try home.run(["export", "--output", file], instance: "a")
    #expect(json.status == 0, "\(json.standardOutput) \(json.standardError)")
    #expect(json.envelope?["ok"] as? Bool == true)
    #expect(json.data?["file"] as? String == file)
    #expect(json.data?["notes"] as? Int == 2)
    #expect((json.envelope?["meta"] as? [String: Any])?["command"] as? String == "export")
    let written = try String(contentsOfFile: file, encoding: .utf8)
    #expect(written.contains("1. buy milk"))
    // One note, one line: stored text is escaped.
    #expect(written.contains("1. line one\\nline two"))

    let byVariable = home.directory.appending("by-variable.md")
    let variable = try BuiltProduct.notes.run(
      ["--home", home.path, "export", "--output", byVariable], environment: ["NOTES_FORMAT": "json"])
    #expect(variable.status == 0)
    #expect(variable.data?["file"] as? String == byVariable)
    #expect(FileManager.default.fileExists(atPath: byVariable))

    // In text mode the async command runs too: a result line, not usage.
    let textFile = home.directory.appending("text.md")
    let text = try home.run(["export", "--output", textFile], json: false)
    #expect(text.status == 0)
    #expect(text.standardOutput == "exported 1 note to \(textFile)\n")
    #expect(FileManager.default.fileExists(atPath: textFile))

    // `--output` is export's own: it is not the global format option.
    let misplaced = try BuiltProduct.notes.run(["--home", home.path, "--output", "json", "list"])
    #expect(misplaced.status == 2)
    #expect(!misplaced.standardOutput.hasPrefix("{"))
  }

  @Test("the fix commands are notes' own, and run as they are")
  func advice() throws {
    let home = NotesHome()
    try #require(try home.run(["add", "one"]).status == 0)
    let mismatch = try home.run(["add", "--if-revision", "0", "late"])
    #expect(mismatch.status == 6)
    #expect(mismatch.error?["reason"] as? String == "revision_mismatch")
    #expect(
      mismatch.error?["fix_command"] as? String
        == "notes list --scope shared --home \(home.path) --format json")

    try home.directory.write("home/notes.json", Data("not json".utf8))
    let corrupt = try home.run(["list"])
    #expect(corrupt.status == 4)
    #expect(corrupt.errorCode == "STATE_CORRUPT")
    let fix = try #require(corrupt.error?["fix_command"] as? String)
    #expect(fix == "notes repair --scope shared --home \(home.path) --format json")
    let binDirectory = (BuiltProduct.notes.path as NSString).deletingLastPathComponent
    let repaired = try BuiltProduct.startProgram(
      "/bin/sh", ["-c", fix], environment: ["PATH": binDirectory + ":/usr/bin:/bin"]
    ).wait()
    #expect(repaired.status == 0, "\(repaired.standardOutput) \(repaired.standardError)")
    #expect(repaired.data?["moved_to"] is String)
    #expect(try home.run(["list"]).status == 0)
  }
}
