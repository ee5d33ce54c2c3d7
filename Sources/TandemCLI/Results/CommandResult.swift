public import TandemState

/// What a command returns: a value that becomes the envelope's `data` in JSON mode and a
/// text rendering in text mode, so that a command states its result once.
///
/// Any `Encodable` type can be a result: declare the conformance and the JSON comes from
/// ``ResultEncoder`` (members in declaration order, snake_case names, `nil` as `null`), the
/// text from ``TextRendering`` (`name: value` lines). Give ``text`` a value where people
/// need something else:
///
/// ```swift
/// struct Added: CommandResult {
///   var note: String
///   var revision: UInt64
///   var text: String? { "added \(note) (revision \(revision))" }
/// }
/// ```
public protocol CommandResult: Encodable {
  /// What text mode prints on standard output, or `nil` for the default rendering of the
  /// encoded value. Pass stored data through ``TextEscaping/escape(_:)``.
  var text: String? { get }

  /// The envelope's `data`. The default encodes the value with ``ResultEncoder``; a result on
  /// a hot path may build it itself, since the encoder's first use of each result type costs
  /// the runtime a conformance lookup (docs/benchmarks.md, "Results as values").
  func encodedData() throws -> JSONValue
}

extension CommandResult {
  /// The default: the encoded value, rendered by ``TextRendering/render(_:)``.
  public var text: String? { nil }

  /// The default: ``ResultEncoder/encode(_:)`` of the value.
  public func encodedData() throws -> JSONValue { try ResultEncoder.encode(self) }
}

extension CommandOutput: CommandResult {
  /// Encodes ``data``.
  public func encode(to encoder: any Encoder) throws { try data.encode(to: encoder) }

  /// The data given with the result.
  public func encodedData() throws -> JSONValue { data }

  /// The text given with the result.
  public var text: String? { textRendering }
}
