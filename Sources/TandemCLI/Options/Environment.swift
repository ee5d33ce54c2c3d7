#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Reads environment variables without Foundation.
public enum Environment {
  /// The value of `name`, or `nil` when unset.
  public static func value(_ name: String) -> String? {
    guard let raw = getenv(name) else { return nil }
    return String(cString: raw)
  }

  /// The variables the global options fall back to, plus `HOME`.
  static func snapshot() -> [String: String] {
    var result: [String: String] = [:]
    for name in GlobalOptions.Name.allCases.map(\.environmentVariable) + ["HOME", "TANDEM_FAST_PATH"] {
      if let value = value(name) { result[name] = value }
    }
    return result
  }
}
