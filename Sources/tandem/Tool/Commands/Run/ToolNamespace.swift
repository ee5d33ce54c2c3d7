import TandemCLI
import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// A tool's directory in an agent's namespace, `instances/ID/tools/NAME/` (mode 0700), and
/// the redirections into it.
struct ToolNamespace {
  let profile: ToolProfile
  /// The state home: nothing is created or followed out of it.
  let home: String
  let directory: String
  /// Reads the caller's environment (`~`, `$VAR` in the profile's paths).
  let environment: (String) -> String?

  init(profile: ToolProfile, instance: InstanceID, in context: CommandContext) {
    self.profile = profile
    self.home = context.options.home.path
    self.directory = [
      context.options.home.path, StateHome.instancesDirectoryName, instance.rawValue, "tools", profile.name,
    ].joined(separator: "/")
    self.environment = { Environment.value($0) }
  }

  /// `VARIABLE=path` for each location: into the namespace, or the real one for a shared
  /// location.
  var redirections: [(variable: String, path: String)] {
    profile.locations.map { location in
      if location.shared, let real = realLocation(location) { return (location.variable, real) }
      return (location.variable, directory + "/" + location.name)
    }
  }

  /// The first of the location's seeds that names a path (expanded), existing or not for a
  /// shared location, existing for a seed.
  func realLocation(_ location: ToolProfile.Location, mustExist: Bool = false) -> String? {
    for candidate in location.seedFrom {
      guard let path = expand(candidate) else { continue }
      if !mustExist || FileSystem.exists(path) { return path }
    }
    return nil
  }

  /// `~/x` and `$VAR/x` expanded; `nil` when a variable is unset or empty, or the path is
  /// not absolute.
  func expand(_ path: String) -> String? {
    var result = path
    if result == "~" || result.hasPrefix("~/") {
      guard let home = environment("HOME"), !home.isEmpty else { return nil }
      result = home + result.dropFirst()
    } else if result.hasPrefix("$") {
      let name = result.dropFirst().prefix { $0 != "/" }
      guard let value = environment(String(name)), !value.isEmpty else { return nil }
      result = value + result.dropFirst(1 + name.count)
    }
    return result.hasPrefix("/") ? result : nil
  }

  /// Creates the namespace's directory and, on first use, seeds each location from the
  /// user's real one: files copied (mode 0600), directories copied (0700), credential
  /// entries linked to the real ones, never copied. The caller holds the tool's lock.
  func prepare() throws {
    // Checked on every call, seeded or not: the tool itself writes through these
    // directories, so none of them may lead out of the home.
    try FileSystem.makeDirectories(directory, below: home)
    let marker = directory + "/.seeded"
    if FileSystem.exists(marker) { return }
    for location in profile.locations where !location.shared {
      let target = directory + "/" + location.name
      switch location.kind {
      case .file:
        if !FileSystem.exists(target), let real = realLocation(location, mustExist: true) {
          try FileSystem.copyFile(real, to: target)
        }
      case .directory:
        try FileSystem.makeDirectories(target, below: home)
        let into = location.seedInto.isEmpty ? target : target + "/" + location.seedInto
        if let real = realLocation(location, mustExist: true) {
          try FileSystem.makeDirectories(into, below: home)
          try FileSystem.copyDirectory(real, to: into, below: home, skipping: location.sharedEntries)
          for entry in location.sharedEntries {
            try FileSystem.link(into + "/" + entry, to: real + "/" + entry)
          }
        }
      }
    }
    try FileSystem.writeFile(marker, [])
  }
}
