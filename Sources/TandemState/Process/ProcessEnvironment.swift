internal import SystemPlatform

/// The environment a spawned process gets: `NAME=value` entries, each name at most once.
///
/// A variable set for the child replaces an inherited one of the same name rather than being
/// appended after it: with two entries, which one a program sees depends on how it looks
/// variables up (`getenv` takes the first, a shell may take the last).
package struct ProcessEnvironment: Sendable {
  /// The entries, in order.
  package private(set) var entries: [String]

  /// An environment with exactly these entries (later ones replace earlier ones of the same name).
  package init(_ entries: [String] = []) {
    self.entries = []
    for entry in entries { set(entry) }
  }

  /// This process's own environment.
  package static func inherited() -> ProcessEnvironment {
    var result = ProcessEnvironment()
    var index = 0
    let environment = Platform.environment
    while let entry = environment[index] {
      result.entries.append(String(cString: entry))
      index += 1
    }
    return result
  }

  /// Sets `NAME=value`, replacing any entry of that name.
  package mutating func set(_ entry: String) {
    let name = Self.name(of: entry)
    entries.removeAll { Self.name(of: $0) == name }
    entries.append(entry)
  }

  /// Sets `name` to `value`, replacing any entry of that name.
  package mutating func set(_ name: String, _ value: String) { set(name + "=" + value) }

  /// Removes every entry whose name satisfies `predicate`.
  package mutating func remove(where predicate: (String) -> Bool) {
    entries.removeAll { predicate(String(Self.name(of: $0))) }
  }

  /// The value of `name`, if set.
  package subscript(name: String) -> String? {
    for entry in entries where Self.name(of: entry) == name {
      return String(entry.dropFirst(name.utf8.count + 1))
    }
    return nil
  }

  private static func name(of entry: String) -> Substring {
    entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(entry)
  }
}
