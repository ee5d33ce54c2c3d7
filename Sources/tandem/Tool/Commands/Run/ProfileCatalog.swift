import TandemCLI
import TandemState

/// Where a tool's profile comes from: the user's file `profiles/NAME.json` in the home,
/// else the shipped profile, else the generic one.
enum ProfileCatalog {
  /// The directory of user profiles.
  static func directory(_ context: CommandContext) -> String { context.options.home.path + "/profiles" }

  /// The profile of `tool`.
  static func profile(for tool: String, in context: CommandContext) throws -> ToolProfile {
    if let user = try userProfile(tool, in: context) { return user }
    return ShippedProfiles.all.first { $0.name == tool } ?? ShippedProfiles.generic(tool)
  }

  /// Every user profile, each validated.
  static func userProfiles(in context: CommandContext) throws -> [ToolProfile] {
    guard FileSystem.isDirectory(directory(context)) else { return [] }
    return try FileSystem.names(in: directory(context)).filter { $0.hasSuffix(".json") }.sorted().map {
      try load(directory(context) + "/" + $0)
    }
  }

  private static func userProfile(_ tool: String, in context: CommandContext) throws -> ToolProfile? {
    let path = directory(context) + "/" + tool + ".json"
    guard FileSystem.exists(path) else { return nil }
    let profile = try load(path)
    guard profile.name == tool else {
      throw invalid("\(path): \"tool\" is \"\(profile.name)\", not \"\(tool)\" as the file's name says")
    }
    return profile
  }

  private static func load(_ path: String) throws -> ToolProfile {
    do {
      return try ToolProfile.parse(try FileSystem.readFile(path), file: path)
    } catch let error as CommandFailureError {
      throw invalid(error.message)
    }
  }

  private static func invalid(_ message: String) -> CommandFailure {
    var failure = CommandFailure(code: "INVALID_PROFILE", exitCode: .precondition, message: message)
    failure.fixRequired = "correct the profile (README, \"Profiles\"), or remove it to use the shipped one"
    return failure
  }
}
