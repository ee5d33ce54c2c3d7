public import TandemState

/// A stored value that wins in a ``TandemConfigSnapshot``, and the document it came from.
public struct LayeredValue: Sendable, Equatable {
  /// The Tandem key.
  public let key: String
  /// The stored string.
  public let value: String
  /// The document it came from: the instance's, or the shared one.
  public let scope: ConfigScope
  /// That document's revision.
  public let revision: UInt64
}
