import Foundation

/// A JSON Schema (draft 7) validator for the keywords the CLI Agent Spec's schemas use, so
/// that every envelope an end-to-end test receives can be checked in the test process
/// itself, without starting a validator per invocation. `SchemaConformanceTests` checks it
/// against Python's `jsonschema` on the same documents.
///
/// Keywords: `type`, `enum`, `const`, `required`, `properties`, `additionalProperties`,
/// `items`, `oneOf`, `anyOf`, `allOf`, `if`/`then`/`else`, `$ref` (`#/definitions/...` and a
/// file beside the schema), `pattern`, `minimum`, `maximum`, `minLength`, `maxLength`. An
/// unknown keyword is a failure of the validator, not a pass.
public struct JSONSchema: @unchecked Sendable {
  // `@unchecked`: the parsed schema is never mutated after `init`.
  private let root: [String: Any]
  private let directory: String

  /// The schema in `path`.
  public init(path: String) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw CocoaError(.fileReadCorruptFile)
    }
    root = object
    directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
  }

  /// The response envelope schema of the spec.
  public static let envelope: JSONSchema? = try? JSONSchema(path: SchemaValidator.envelopeSchema)
  /// The manifest schema of the spec.
  public static let manifest: JSONSchema? = try? JSONSchema(
    path: SchemaValidator.specDirectory + "/manifest-response.schema.json")

  /// The problems of `value` (parsed by `JSONSerialization`), one per line; empty when valid.
  public func problems(_ value: Any) -> [String] {
    var problems: [String] = []
    check(value, against: root, in: root, at: "$", problems: &problems)
    return problems
  }

  /// The problems of a JSON text.
  public func problems(text: String) -> [String] {
    guard let data = text.data(using: .utf8),
      let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    else { return ["not one JSON document: \(text.prefix(200))"] }
    return problems(value)
  }

  private static let known: Set<String> = [
    "$schema", "$id", "title", "description", "type", "enum", "const", "required", "properties",
    "additionalProperties", "items", "oneOf", "anyOf", "allOf", "if", "then", "else", "$ref", "pattern",
    "minimum", "maximum", "minLength", "maxLength", "definitions", "default", "examples",
  ]

  private func check(
    _ value: Any, against schema: [String: Any], in document: [String: Any], at path: String,
    problems: inout [String]
  ) {
    for key in schema.keys where !Self.known.contains(key) && !key.hasPrefix("x-") {
      problems.append("\(path): the validator does not know the keyword \(key)")
    }
    if let reference = schema["$ref"] as? String {
      guard let (target, targetDocument) = resolve(reference, in: document) else {
        problems.append("\(path): unresolvable $ref \(reference)")
        return
      }
      check(value, against: target, in: targetDocument, at: path, problems: &problems)
    }
    if let type = schema["type"] {
      let types = (type as? [String]) ?? [type as? String ?? ""]
      if !types.contains(where: { Self.matches(value, type: $0) }) {
        problems.append("\(path): \(Self.describe(value)) is not of type \(types.joined(separator: "|"))")
        return
      }
    }
    if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal($0, value) }) {
      problems.append("\(path): \(Self.describe(value)) is not one of \(options)")
    }
    if let constant = schema["const"], !Self.equal(constant, value) {
      problems.append("\(path): \(Self.describe(value)) is not \(constant)")
    }
    if let object = value as? [String: Any] {
      for key in schema["required"] as? [String] ?? [] where object[key] == nil {
        problems.append("\(path): required member \(key) is missing")
      }
      let properties = schema["properties"] as? [String: Any] ?? [:]
      for (key, member) in object {
        if let property = properties[key] as? [String: Any] {
          check(member, against: property, in: document, at: "\(path).\(key)", problems: &problems)
        } else if let additional = schema["additionalProperties"] {
          if let allowed = additional as? Bool {
            if !allowed { problems.append("\(path): member \(key) is not allowed") }
          } else if let additionalSchema = additional as? [String: Any] {
            check(member, against: additionalSchema, in: document, at: "\(path).\(key)", problems: &problems)
          }
        }
      }
    }
    if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
      for (index, item) in array.enumerated() {
        check(item, against: items, in: document, at: "\(path)[\(index)]", problems: &problems)
      }
    }
    if let string = value as? String {
      if let minimum = schema["minLength"] as? Int, string.count < minimum {
        problems.append("\(path): shorter than \(minimum) characters")
      }
      if let maximum = schema["maxLength"] as? Int, string.count > maximum {
        problems.append("\(path): longer than \(maximum) characters")
      }
      if let pattern = schema["pattern"] as? String,
        string.range(of: pattern, options: .regularExpression) == nil
      {
        problems.append("\(path): \"\(string)\" does not match \(pattern)")
      }
    }
    if let number = value as? NSNumber, !Self.isBool(value) {
      if let minimum = schema["minimum"] as? NSNumber, number.doubleValue < minimum.doubleValue {
        problems.append("\(path): \(number) is below \(minimum)")
      }
      if let maximum = schema["maximum"] as? NSNumber, number.doubleValue > maximum.doubleValue {
        problems.append("\(path): \(number) is above \(maximum)")
      }
    }
    if let options = schema["oneOf"] as? [[String: Any]] {
      let passing = options.filter { option in
        var found: [String] = []
        check(value, against: option, in: document, at: path, problems: &found)
        return found.isEmpty
      }
      if passing.count != 1 { problems.append("\(path): matches \(passing.count) of oneOf, not exactly 1") }
    }
    if let options = schema["anyOf"] as? [[String: Any]] {
      let passes = options.contains { option in
        var found: [String] = []
        check(value, against: option, in: document, at: path, problems: &found)
        return found.isEmpty
      }
      if !passes { problems.append("\(path): matches none of anyOf") }
    }
    for option in schema["allOf"] as? [[String: Any]] ?? [] {
      check(value, against: option, in: document, at: path, problems: &problems)
    }
    if let condition = schema["if"] as? [String: Any] {
      var found: [String] = []
      check(value, against: condition, in: document, at: path, problems: &found)
      if found.isEmpty, let then = schema["then"] as? [String: Any] {
        check(value, against: then, in: document, at: path, problems: &problems)
      } else if !found.isEmpty, let otherwise = schema["else"] as? [String: Any] {
        check(value, against: otherwise, in: document, at: path, problems: &problems)
      }
    }
  }

  private func resolve(_ reference: String, in document: [String: Any]) -> ([String: Any], [String: Any])? {
    if reference.hasPrefix("#/") {
      var node: Any = document
      for part in reference.dropFirst(2).split(separator: "/") {
        guard let next = (node as? [String: Any])?[String(part)] else { return nil }
        node = next
      }
      return (node as? [String: Any]).map { ($0, document) }
    }
    guard let other = try? JSONSchema(path: directory + "/" + reference) else { return nil }
    return (other.root, other.root)
  }

  private static func isBool(_ value: Any) -> Bool {
    // JSONSerialization gives booleans as NSNumber too, of Objective-C type `c` (char).
    guard let number = value as? NSNumber else { return false }
    return String(cString: number.objCType) == "c"
  }

  private static func matches(_ value: Any, type: String) -> Bool {
    switch type {
    case "object": return value is [String: Any]
    case "array": return value is [Any]
    case "string": return value is String
    case "null": return value is NSNull
    case "boolean": return isBool(value)
    case "integer":
      guard let number = value as? NSNumber, !isBool(value) else { return false }
      return number.doubleValue.rounded() == number.doubleValue
    case "number": return value is NSNumber && !isBool(value)
    default: return false
    }
  }

  private static func equal(_ a: Any, _ b: Any) -> Bool {
    if isBool(a) != isBool(b) { return false }
    return (a as? NSObject)?.isEqual(b) ?? false
  }

  private static func describe(_ value: Any) -> String {
    if value is NSNull { return "null" }
    return String(String(describing: value).prefix(80))
  }
}
