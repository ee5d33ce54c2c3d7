public import Configuration
public import TandemState

/// A stored value that does not convert to the type a reader asked for.
///
/// Tandem stores every value as a string; ``TandemConfigProvider`` parses it on each read. A
/// reader's `requiredInt(forKey:)` (and the other throwing reads) throws this error; a read
/// with a default returns the default and reports the error to the reader's access reporter.
public struct ConfigValueConversionError: Error, CustomStringConvertible, Sendable {
  /// The Tandem key, as dotted text.
  public let key: String
  /// The type the reader asked for.
  public let type: ConfigType
  /// The document the value came from.
  public let scope: ConfigScope
  /// That document's revision.
  public let revision: UInt64
  /// What is wrong with the value. It quotes the value unless the value is secret.
  public let reason: String

  init(key: String, type: ConfigType, scope: ConfigScope, revision: UInt64, reason: String) {
    self.key = key
    self.type = type
    self.scope = scope
    self.revision = revision
    self.reason = reason
  }

  /// The key, the type, the document and the reason, in one sentence.
  public var description: String {
    "the value of \(key) (\(scope.rawValue) document, revision \(revision)) does not convert to "
      + "\(type.rawValue): \(reason)"
  }
}
