import Configuration

/// Maps swift-configuration's keys to Tandem's dotted keys.
///
/// A key's components are joined with dots, exactly as written: `ConfigKey("http.timeout")` and
/// `["http", "timeout"]` both read Tandem's `http.timeout`. Tandem keys are case-sensitive and
/// take `[A-Za-z0-9_-]` segments, so `http.serverTimeout` reads `http.serverTimeout`; a key
/// that no Tandem key can spell is simply not found. The key's context is ignored: a Tandem
/// document has one value per key.
enum TandemKeyEncoder {
  /// The Tandem key for `key`.
  static func encode(_ key: AbsoluteConfigKey) -> String {
    var result = ""
    for (index, component) in key.components.enumerated() {
      if index > 0 { result += "." }
      result += component
    }
    return result
  }
}
