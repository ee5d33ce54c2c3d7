import TandemState

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

  /// The variables a tool's invocation reads: those its global options fall back to, its
  /// `PREFIX_FAST_PATH`, and `HOME` and `XDG_CONFIG_HOME` for its default home.
  static func snapshot(tool: ToolIdentity, names: GlobalOptionNames) -> [String: String] {
    var result: [String: String] = [:]
    for option in GlobalOptions.Name.allCases {
      let name = names.environmentVariable(option, tool: tool)
      if let value = value(name) { result[name] = value }
    }
    for name in ["HOME", "XDG_CONFIG_HOME", tool.environmentVariable("FAST_PATH")] {
      if let value = value(name) { result[name] = value }
    }
    return result
  }
}
