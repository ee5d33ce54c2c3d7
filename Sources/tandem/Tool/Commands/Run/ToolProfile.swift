import TandemState

/// What `tandem run --isolate` redirects for one tool, and what stays the user's.
///
/// A profile lists the environment variables through which the tool finds its
/// configuration. Isolated, each points into the agent's namespace
/// (`instances/ID/tools/NAME/`), seeded on first use with a copy of the user's real file or
/// directory. A location marked `shared` holds credentials that must not be copied (a
/// rotating refresh token copied N times makes N refreshers, and the provider revokes the
/// grant): it keeps pointing at the real location, and every call of the tool holds the
/// tool's credential lock, so that refreshes happen one at a time.
struct ToolProfile: Sendable, Equatable {
  /// One redirected location.
  struct Location: Sendable, Equatable {
    /// A file or a directory.
    enum Kind: String, Sendable { case file, directory }

    /// The variable the tool reads, e.g. `GIT_CONFIG_GLOBAL`.
    var variable: String
    /// A file or a directory.
    var kind: Kind
    /// Its name inside the namespace's directory for the tool.
    var name: String
    /// Where the user's real one is, first found wins (`~` and `$VAR` expanded); seeded from
    /// it on first use, or for a shared location, pointed at.
    var seedFrom: [String]
    /// Credentials: never copied; the variable points at the real location and calls are
    /// serialized on the tool's credential lock.
    var shared: Bool = false
    /// For a directory: entries that hold credentials, never copied: each is a symbolic link
    /// to the real entry, and calls are serialized on the tool's credential lock.
    var sharedEntries: [String] = []
    /// For a directory: where inside it the seed goes (`{tool}` is the tool's name), or
    /// empty for the directory itself.
    var seedInto: String = ""
  }

  /// The tool's name, e.g. `git`.
  var name: String
  /// One line on what it covers.
  var summary: String
  /// The redirected locations.
  var locations: [Location]
  /// What was checked in the tool's own documentation.
  var checked: String

  /// Whether calls hold the tool's credential lock.
  var hasSharedCredentials: Bool { locations.contains { $0.shared || !$0.sharedEntries.isEmpty } }

  /// The profile as JSON (for `run --profiles`).
  var json: JSONValue {
    .object([
      ("tool", .string(name)), ("summary", .string(summary)),
      (
        "locations",
        .array(
          locations.map {
            .object([
              ("variable", .string($0.variable)), ("kind", .string($0.kind.rawValue)),
              ("name", .string($0.name)),
              ("seed_from", .array($0.seedFrom.map(JSONValue.string))), ("shared", .bool($0.shared)),
              ("shared_entries", .array($0.sharedEntries.map(JSONValue.string))),
            ])
          })
      ),
      ("checked", .string(checked)),
    ])
  }

  /// A profile read from a user's file (`profiles/NAME.json` in the home): the same members
  /// as ``json``; what is wrong is said with the member's name.
  static func parse(_ bytes: [UInt8], file: String) throws -> ToolProfile {
    func invalid(_ what: String) -> CommandFailureError {
      CommandFailureError("\(file): \(what)")
    }
    guard let json = try? JSONParser.parse(bytes) else { throw invalid("not valid JSON") }
    guard let name = json["tool"]?.stringValue, Self.isToolName(name) else {
      throw invalid(
        "\"tool\" must be a name of letters, digits, . _ - (at most \(Self.maximumToolNameLength))")
    }
    guard case .array(let items)? = json["locations"], !items.isEmpty else {
      throw invalid("\"locations\" must be a non-empty array")
    }
    var locations: [Location] = []
    for (index, item) in items.enumerated() {
      let at = "locations[\(index)]"
      guard let variable = item["variable"]?.stringValue, Self.isVariable(variable) else {
        throw invalid("\(at).variable must be an environment variable name")
      }
      guard let kindText = item["kind"]?.stringValue, let kind = Location.Kind(rawValue: kindText) else {
        throw invalid("\(at).kind must be \"file\" or \"directory\"")
      }
      guard let entry = item["name"]?.stringValue, Self.isName(entry) else {
        throw invalid("\(at).name must be a plain file name (letters, digits, . _ -)")
      }
      var seeds: [String] = []
      if let seed = item["seed_from"] {
        guard case .array(let values) = seed, values.allSatisfy({ $0.stringValue != nil }) else {
          throw invalid("\(at).seed_from must be an array of paths")
        }
        seeds = values.compactMap(\.stringValue)
      }
      let shared = item["shared"]?.boolValue ?? false
      if shared && seeds.isEmpty {
        throw invalid("\(at) is shared: seed_from must say where the real one is")
      }
      var sharedEntries: [String] = []
      if let list = item["shared_entries"] {
        guard kind == .directory, case .array(let values) = list,
          values.allSatisfy({ $0.stringValue.map(Self.isName) ?? false })
        else {
          throw invalid("\(at).shared_entries must be an array of plain names, in a directory location")
        }
        sharedEntries = values.compactMap(\.stringValue)
      }
      locations.append(
        Location(
          variable: variable, kind: kind, name: entry, seedFrom: seeds, shared: shared,
          sharedEntries: sharedEntries))
    }
    return ToolProfile(
      name: name, summary: json["summary"]?.stringValue ?? "a profile of this home", locations: locations,
      checked: json["checked"]?.stringValue ?? "a user's profile")
  }

  static func isName(_ text: String) -> Bool {
    (try? InstanceID(text)) != nil && !text.hasPrefix(".")
  }

  /// The longest tool name. A tool's locks are `locks/tool.NAME.lock` and
  /// `locks/tool.NAME.credentials.lock`, and a lock name has at most 64 characters: a longer
  /// tool name passed the name check and then failed at its lock, with a message about a
  /// lock name nobody had typed.
  static let maximumToolNameLength = 64 - "tool.".count - ".credentials".count

  /// Whether `text` can name a tool: a name (``isName(_:)``) short enough for its locks.
  static func isToolName(_ text: String) -> Bool {
    isName(text) && text.utf8.count <= maximumToolNameLength
  }

  static func isVariable(_ text: String) -> Bool {
    guard let first = text.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
      return false
    }
    return text.utf8.count <= 128
      && text.utf8.allSatisfy { byte in
        byte == UInt8(ascii: "_") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
          || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      }
  }
}

/// A profile file that is not valid: reported as `INVALID_PROFILE`.
struct CommandFailureError: Error {
  let message: String
  init(_ message: String) { self.message = message }
}
