internal import SystemPlatform

/// The environment a spawned process gets: `NAME=value` entries, each name at most once.
///
/// A variable set for the child replaces an inherited one of the same name rather than being
/// appended after it: with two entries, which one a program sees depends on how it looks
/// variables up (`getenv` takes the first, a shell may take the last).
///
/// Entries are kept as bytes. An inherited variable need not be UTF-8 (a path in Latin-1, a
/// binary token), and `lock run` and `run` promise the command the environment it would have
/// had without tandem: decoded into a `String`, such a value reached the command with its
/// bytes replaced by U+FFFD.
package struct ProcessEnvironment: Sendable {
  /// The entries, in order, as bytes without a terminating NUL.
  private var raw: [[UInt8]]

  /// The entries, in order; bytes that are not UTF-8 read as U+FFFD (the child gets them as
  /// they are).
  package var entries: [String] { raw.map { String(decoding: $0, as: UTF8.self) } }

  /// An environment with exactly these entries (later ones replace earlier ones of the same name).
  package init(_ entries: [String] = []) {
    raw = []
    for entry in entries { set(entry) }
  }

  /// This process's own environment, byte for byte.
  package static func inherited() -> ProcessEnvironment {
    var result = ProcessEnvironment()
    var index = 0
    let environment = Platform.environment
    while let entry = environment[index] {
      result.raw.append(
        entry.withMemoryRebound(to: UInt8.self, capacity: strlen(entry)) { bytes in
          Array(UnsafeBufferPointer(start: bytes, count: strlen(entry)))
        })
      index += 1
    }
    return result
  }

  /// Sets `NAME=value`, replacing any entry of that name.
  package mutating func set(_ entry: String) {
    let bytes = Array(entry.utf8)
    let name = Self.name(of: bytes)
    raw.removeAll { Self.name(of: $0) == name }
    raw.append(bytes)
  }

  /// Sets `name` to `value`, replacing any entry of that name.
  package mutating func set(_ name: String, _ value: String) { set(name + "=" + value) }

  /// Removes every entry whose name satisfies `predicate`.
  package mutating func remove(where predicate: (String) -> Bool) {
    raw.removeAll { predicate(String(decoding: Self.name(of: $0), as: UTF8.self)) }
  }

  /// The value of `name`, if set.
  package subscript(name: String) -> String? {
    let wanted = Array(name.utf8)
    for entry in raw where Self.name(of: entry).elementsEqual(wanted) {
      return String(decoding: entry.dropFirst(wanted.count + 1), as: UTF8.self)
    }
    return nil
  }

  /// The entries as C strings allocated with `malloc`, for `posix_spawn`; the caller frees
  /// each with `free`.
  package func allocatedCStrings() -> [UnsafeMutablePointer<CChar>?] {
    raw.map { bytes in
      let pointer = malloc(bytes.count + 1)!.assumingMemoryBound(to: CChar.self)
      bytes.withUnsafeBytes { source in
        if let base = source.baseAddress { memcpy(pointer, base, bytes.count) }
      }
      pointer[bytes.count] = 0
      return pointer
    }
  }

  private static func name(of entry: [UInt8]) -> ArraySlice<UInt8> {
    entry.firstIndex(of: UInt8(ascii: "=")).map { entry[..<$0] } ?? entry[...]
  }
}
