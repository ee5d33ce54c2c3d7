import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Reads environment variables without Foundation.
package enum Environment {
  /// The value of `name`, or `nil` when unset.
  package static func value(_ name: String) -> String? {
    guard let raw = getenv(name) else { return nil }
    return String(cString: raw)
  }
}

/// Where an invocation reads its environment variables: the process's own, one at a time
/// (a tool's start-up reads a handful and never copies the environment: building a
/// `[String: String]` cost a third of a `config get`, docs/benchmarks.md), or a dictionary
/// given to ``CommandLineTool/invoke(_:arguments:environment:start:standardOutputIsTerminal:)-(_,_,_,_,_)``.
struct EnvironmentLookup: Sendable {
  let value: @Sendable (String) -> String?
  /// Every variable, for the rare reader that needs them all (a store's backend).
  let allVariables: @Sendable () -> [String: String]

  /// The process's environment.
  static var process: EnvironmentLookup {
    EnvironmentLookup(
      value: { Environment.value($0) },
      allVariables: {
        var variables: [String: String] = [:]
        for entry in ProcessEnvironment.inherited().entries {
          guard let equals = entry.utf8.firstIndex(of: UInt8(ascii: "=")) else { continue }
          let name = String(entry[..<equals])
          // The first of two entries of one name, as getenv(3) reads them.
          if variables[name] == nil { variables[name] = String(entry[entry.index(after: equals)...]) }
        }
        return variables
      })
  }

  /// A given set of variables.
  init(_ variables: [String: String]) {
    value = { variables[$0] }
    allVariables = { variables }
  }

  init(
    value: @escaping @Sendable (String) -> String?, allVariables: @escaping @Sendable () -> [String: String]
  ) {
    self.value = value
    self.allVariables = allVariables
  }

  subscript(name: String) -> String? { value(name) }
}
