import Foundation

/// Validates JSON documents against the CLI Agent Spec schemas in `../shared/spec`, with
/// Python's `jsonschema` (installed by `scripts/test`).
public enum SchemaValidator {
  /// The spec directory: `TANDEM_SPEC_DIR`, else `shared/spec` beside the repository.
  public static let specDirectory: String = {
    if let explicit = ProcessInfo.processInfo.environment["TANDEM_SPEC_DIR"] { return explicit }
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return repository.deletingLastPathComponent().appendingPathComponent("shared/spec").path
  }()

  /// The response envelope schema's path.
  public static var envelopeSchema: String { specDirectory + "/response-envelope.schema.json" }

  /// The exit code schema's path.
  public static var exitCodeSchema: String { specDirectory + "/exit-code.schema.json" }

  /// Validates each document (with its exit code) against the envelope schema and the rule
  /// that `ok` is true exactly when the exit code is 0. Returns one message per problem.
  public static func validateEnvelopes(_ documents: [(String, Int32)]) throws -> [String] {
    let input = try JSONSerialization.data(
      withJSONObject: documents.map { ["text": $0.0, "status": Int($0.1)] as [String: Any] })
    let script = """
      import json, sys, jsonschema
      schema = json.load(open(sys.argv[1]))
      validator = jsonschema.Draft7Validator(schema)
      problems = []
      for item in json.load(sys.stdin):
          doc = json.loads(item["text"])
          for error in validator.iter_errors(doc):
              problems.append("%s: %s" % (item["text"][:200], error.message))
          if doc.get("ok") != (item["status"] == 0):
              problems.append("%s: ok does not match exit code %d" % (item["text"][:200], item["status"]))
      print(json.dumps(problems))
      """
    let inputFile = NSTemporaryDirectory() + "/tandem-envelopes-\(UUID().uuidString).json"
    try input.write(to: URL(fileURLWithPath: inputFile))
    defer { try? FileManager.default.removeItem(atPath: inputFile) }
    let result = try TandemBinary.startProgram(
      "/bin/sh", ["-c", "exec python3 -c \"$0\" \"$1\" < \"$2\"", script, envelopeSchema, inputFile]
    ).wait()
    let output = Data(result.standardOutput.utf8)
    guard result.status == 0 else {
      return ["the schema check could not run (python3 with jsonschema is needed; scripts/test installs it)"]
    }
    return (try JSONSerialization.jsonObject(with: output) as? [String]) ?? ["unreadable validator output"]
  }
}
