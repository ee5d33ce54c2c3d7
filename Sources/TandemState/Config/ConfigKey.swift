/// Validation of configuration keys.
///
/// A key is a dotted name such as `region` or `aws.profile.default`: segments of
/// `[A-Za-z0-9_-]` joined by single dots, starting with a letter, digit or underscore (so it
/// never looks like an option), at most ``StateLimits/maximumKeyBytes`` bytes.
public enum ConfigKey {
  /// Throws ``StateError/Code/invalidArgument`` unless `key` is a valid key.
  public static func validate(_ key: String) throws(StateError) {
    guard isValid(key) else {
      var error = StateError(
        .invalidArgument,
        "invalid key \(InstanceID.quoted(key)): use dotted names of A-Z a-z 0-9 _ - (e.g. aws.region), "
          + "starting with a letter, digit or underscore, at most \(StateLimits.maximumKeyBytes) bytes")
      error.fixRequired = "use a key such as section.name"
      throw error
    }
  }

  /// Whether `key` is a valid key.
  public static func isValid(_ key: String) -> Bool {
    let bytes = Array(key.utf8)
    guard !bytes.isEmpty, bytes.count <= StateLimits.maximumKeyBytes else { return false }
    var previousWasDot = true
    for (position, byte) in bytes.enumerated() {
      let isWordByte =
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
      if byte == UInt8(ascii: ".") {
        if previousWasDot { return false }
        previousWasDot = true
      } else if isWordByte || (byte == UInt8(ascii: "-") && position > 0 && !previousWasDot) {
        previousWasDot = false
      } else {
        return false
      }
    }
    return !previousWasDot
  }

  /// Throws ``StateError/Code/limitExceeded`` for a value over the size limit.
  public static func validateValue(_ value: String, for key: String) throws(StateError) {
    guard value.utf8.count <= StateLimits.maximumValueBytes else {
      throw StateError(
        .limitExceeded,
        "the value of \(key) is \(value.utf8.count) bytes; the limit is \(StateLimits.maximumValueBytes) bytes"
      )
    }
  }
}
