import ArgumentParser

/// The JSON type of an argument's value, read from the Swift type of the property that
/// declares it (`@Option var ifRevision: Int64?` → `integer`), the way swift-argument-parser
/// finds the arguments: by reflecting a default instance of the command.
enum ArgumentValueType: String {
  case string, integer, number, boolean, array, `enum`

  /// The types of `command`'s arguments, by their default long name (the property's name
  /// in kebab case: `ifRevision` → `if-revision`). Arguments with a custom name are not
  /// found here and are reported as strings.
  static func types(of command: any ParsableCommand.Type) -> [String: ArgumentValueType] {
    var result: [String: ArgumentValueType] = [:]
    for child in Mirror(reflecting: command.init()).children {
      guard var label = child.label else { continue }
      if label.hasPrefix("_") { label.removeFirst() }
      if let type = valueType(of: String(describing: Swift.type(of: child.value))) {
        result[kebabCase(label)] = type
      }
    }
    return result
  }

  /// `Option<Optional<Int64>>` → `integer`; `nil` for what is not an argument.
  static func valueType(of wrapperName: String) -> ArgumentValueType? {
    let wrappers = ["Option<", "Flag<", "Argument<"]
    guard let wrapper = wrappers.first(where: wrapperName.hasPrefix), wrapperName.hasSuffix(">") else {
      return nil
    }
    var inner = String(wrapperName.dropFirst(wrapper.count).dropLast())
    while inner.hasPrefix("Optional<") && inner.hasSuffix(">") {
      inner = String(inner.dropFirst("Optional<".count).dropLast())
    }
    if wrapper == "Flag<" { return inner == "Int" ? .integer : .boolean }
    if inner.hasPrefix("Array<") || inner.hasPrefix("[") { return .array }
    switch inner {
    case "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64":
      return .integer
    case "Double", "Float": return .number
    case "Bool": return .boolean
    default: return .string
    }
  }

  /// `ifRevision` → `if-revision`, `tokenURL` → `token-url`: swift-argument-parser's
  /// default naming.
  static func kebabCase(_ name: String) -> String {
    let characters = Array(name)
    var result = ""
    for (index, character) in characters.enumerated() {
      if character.isUppercase, index > 0 {
        let previous = characters[index - 1]
        let next = index + 1 < characters.count ? characters[index + 1] : nil
        if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
          result.append("-")
        }
      }
      result.append(contentsOf: character.lowercased())
    }
    return result
  }
}
