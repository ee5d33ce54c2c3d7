import TandemState

/// The part of a store URL that TandemCLI reads: its scheme, which chooses the provider. The
/// rest is the provider's to read, and is never quoted here: a URL may hold a secret.
enum StoreURL {
  /// The scheme of `url` in lower case (`postgresql` for `PostgreSQL://host/db`): the letters,
  /// digits, `+`, `-` and `.` before the first `:`, starting with a letter (RFC 3986); `nil`
  /// when `url` does not start so.
  static func scheme(of url: String) -> String? {
    var scheme: [UInt8] = []
    for byte in url.utf8 {
      if byte == UInt8(ascii: ":") { return scheme.isEmpty ? nil : String(decoding: scheme, as: UTF8.self) }
      let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
      let isLetter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lower)
      let isOther =
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "+")
        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
      guard isLetter || (isOther && !scheme.isEmpty) else { return nil }
      scheme.append(lower)
    }
    return nil
  }

  /// The provider among `stores` that serves `scheme`.
  static func provider(for scheme: String, among stores: [any StoreProvider]) -> (any StoreProvider)? {
    stores.first { $0.schemes.contains(scheme) }
  }

  /// Every scheme `stores` serve, in order, each once.
  static func schemes(of stores: [any StoreProvider]) -> [String] {
    var result: [String] = []
    for store in stores {
      for scheme in store.schemes where !result.contains(scheme) { result.append(scheme) }
    }
    return result
  }

  /// The failure for a store URL that no provider serves: `INVALID_ARGUMENT` (exit 2), naming
  /// where it was given and the schemes this build serves, without repeating the URL.
  static func unserved(
    _ url: String, given: GlobalOptions.Given?, stores: [any StoreProvider], tool: ToolIdentity,
    names: GlobalOptionNames
  ) -> CommandFailure {
    let place = given?.place ?? names.flag(.store)
    let served = schemes(of: stores)
    let offer =
      served.isEmpty
      ? "this build of \(tool.name) serves no store but the home's files"
      : "this build of \(tool.name) serves \(served.map { $0 + "://" }.joined(separator: ", ")) and the home's "
        + "files (no \(names.flag(.store)))"
    var failure: CommandFailure
    if let scheme = scheme(of: url) {
      failure = .usage("no store serves \(scheme):// URLs, given in \(place): \(offer)")
      failure.details.append(("scheme", .string(scheme)))
    } else {
      failure = .usage("the store given in \(place) is not a URL (SCHEME://...): \(offer)")
    }
    let expected =
      served.isEmpty ? "nothing" : "a URL of one of these schemes: " + served.joined(separator: ", ")
    let flag = names.flag(.store)
    if served.isEmpty {
      failure.fixRequired =
        given.map { $0.fromFlag ? "leave \(flag) out" : "unset \($0.variable)" } ?? "leave \(flag) out"
    } else if let given, !given.fromFlag {
      failure.fixRequired = given.fix(expected, unsetMeans: "the home's files")
    } else {
      failure.fixRequired = "pass \(flag) \(expected), or leave \(flag) out for the home's files"
    }
    failure.details.append(("served_schemes", .array(served.map(JSONValue.string))))
    return failure
  }
}
