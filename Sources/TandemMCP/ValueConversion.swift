import MCP
import TandemState

extension Value {
  /// The MCP SDK's value for a TandemState JSON value. Object members lose their order (the
  /// SDK keeps objects as dictionaries); everything else is kept as it is.
  init(_ json: JSONValue) {
    switch json {
    case .null: self = .null
    case .bool(let value): self = .bool(value)
    case .integer(let value): self = .int(Int(value))
    case .double(let value): self = .double(value)
    case .string(let value): self = .string(value)
    case .array(let elements): self = .array(elements.map(Value.init))
    case .object(let members):
      var object: [String: Value] = [:]
      for (name, value) in members { object[name] = Value(value) }
      self = .object(object)
    }
  }

  /// The text a command-line argument gets for a scalar, or `nil` for an array, an object
  /// or null.
  ///
  /// The SDK decodes a string that looks like a `data:` URL into bytes; it is given back as
  /// the data URL the SDK writes for those bytes.
  var argumentText: String? {
    switch self {
    case .string(let text): return text
    case .int(let value): return String(value)
    case .double(let value):
      // 3.0 is the integer 3 to a command-line parser.
      if value.rounded() == value, abs(value) < 9.0e15 { return String(Int64(value)) }
      return String(value)
    case .bool(let value): return value ? "true" : "false"
    case .data(let mimeType, let data): return data.dataURLEncoded(mimeType: mimeType)
    case .null, .array, .object: return nil
    }
  }
}
