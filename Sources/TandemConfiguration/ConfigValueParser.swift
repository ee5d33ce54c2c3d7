import Configuration
import TandemState

/// Turns a stored string into the content of the type a reader asked for, by the rules
/// swift-configuration's `EnvironmentVariablesProvider` applies to its strings, so that a value
/// reads the same from the environment and from a Tandem document: `Int(_:)` and `Double(_:)`
/// for numbers; `true`/`false`, `yes`/`no`, `1`/`0` (any case) for Booleans; the bytes decoder
/// (base64 by default) for bytes; arrays split at the separator, each element trimmed.
struct ConfigValueParser: Sendable {
  /// Decodes `bytes` and `byteChunkArray` values.
  var bytesDecoder: any ConfigBytesFromStringDecoder
  /// Splits array values.
  var arraySeparator: Character

  /// Why a string does not convert; the caller adds the key and the document.
  struct Failure: Error {
    var reason: String
  }

  /// The content of `text` as `type`.
  func parse(_ text: String, as type: ConfigType, quoting: Bool) throws(Failure) -> ConfigContent {
    switch type {
    case .string: return .string(text)
    case .int: return .int(try element(text, as: "an integer", quoting: quoting) { Int($0) })
    case .double: return .double(try element(text, as: "a number", quoting: quoting) { Double($0) })
    case .bool: return .bool(try element(text, as: Self.booleanDescription, quoting: quoting, Self.bool))
    case .bytes: return .bytes(try element(text, as: "bytes", quoting: quoting) { bytesDecoder.decode($0) })
    case .stringArray: return .stringArray(split(text))
    case .intArray: return .intArray(try array(text, as: "an integer", quoting: quoting) { Int($0) })
    case .doubleArray: return .doubleArray(try array(text, as: "a number", quoting: quoting) { Double($0) })
    case .boolArray:
      return .boolArray(try array(text, as: Self.booleanDescription, quoting: quoting, Self.bool))
    case .byteChunkArray:
      return .byteChunkArray(try array(text, as: "bytes", quoting: quoting) { bytesDecoder.decode($0) })
    }
  }

  private static let booleanDescription = "a Boolean (true/false, yes/no, 1/0)"

  /// A Boolean as `EnvironmentVariablesProvider` reads one.
  static func bool(_ text: String) -> Bool? {
    switch text.lowercased() {
    case "true", "yes", "1": return true
    case "false", "no", "0": return false
    default: return nil
    }
  }

  /// The elements of an array value: split at the separator, each trimmed of white space.
  func split(_ text: String) -> [String] {
    text.split(separator: arraySeparator, omittingEmptySubsequences: false).map { Self.trimmed($0) }
  }

  private func element<Value>(
    _ text: String, as expected: String, quoting: Bool, _ convert: (String) -> Value?
  ) throws(Failure) -> Value {
    guard let value = convert(text) else {
      throw Failure(reason: quoting ? "\(QuotedData.mark(text)) is not \(expected)" : "it is not \(expected)")
    }
    return value
  }

  private func array<Value>(
    _ text: String, as expected: String, quoting: Bool, _ convert: (String) -> Value?
  ) throws(Failure) -> [Value] {
    var result: [Value] = []
    for (index, element) in split(text).enumerated() {
      guard let value = convert(element) else {
        let shown = quoting ? ", \(QuotedData.mark(element))," : ""
        throw Failure(reason: "element \(index + 1)\(shown) is not \(expected)")
      }
      result.append(value)
    }
    return result
  }

  private static func trimmed(_ text: Substring) -> String {
    var text = text
    while let first = text.first, first.isWhitespace { text.removeFirst() }
    while let last = text.last, last.isWhitespace { text.removeLast() }
    return String(text)
  }
}
