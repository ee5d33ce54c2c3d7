/// The documented size limits of state, checked before anything is written.
public enum StateLimits {
  /// The longest key, in UTF-8 bytes.
  public static let maximumKeyBytes = 256
  /// The longest value, in UTF-8 bytes.
  public static let maximumValueBytes = 64 * 1024
  /// The largest document, serialized, in bytes. Larger files are reported as corrupt
  /// rather than read into memory.
  public static let maximumDocumentBytes = 4 * 1024 * 1024
  /// The most keys one document holds.
  public static let maximumKeys = 10_000
}
