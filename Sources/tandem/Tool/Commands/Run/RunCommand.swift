import ArgumentParser
import TandemCLI
import TandemState

/// `tandem run [--serialize] [--isolate] [--tool NAME] -- CMD ARGS...` and `tandem run --profiles`
struct RunCommand: TandemCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run another tool safely: serialized on its lock, isolated in this agent's namespace, or both.",
    discussion: """
      --serialize runs CMD holding the lock of the tool (locks/tool.NAME.lock), with lock \
      run's semantics: the exit status passed through, signals forwarded, the process group \
      cleaned up, a lock timeout exits 6 with the holder. --isolate (needs an instance id) \
      points the tool's configuration into instances/ID/tools/NAME/, seeded on first use from \
      the user's real configuration; credential files a profile marks shared are never \
      copied, and calls then hold the tool's credential lock (locks/tool.NAME.credentials.lock). \
      NAME is --tool, else CMD's program name. --profiles lists the known tools.
      """
  )

  @Flag(help: "Hold the tool's lock while CMD runs.")
  var serialize = false

  @Flag(help: "Point the tool's configuration into this agent's namespace (needs an instance id).")
  var isolate = false

  @Option(help: ArgumentHelp("The tool's profile and lock (default: CMD's program name).", valueName: "name"))
  var tool: String?

  @Flag(help: "List the known tools: what is redirected, seeded and shared.")
  var profiles = false

  @Argument(parsing: .postTerminator, help: ArgumentHelp("The command, after --.", valueName: "command"))
  var command: [String] = []

  func execute(in context: CommandContext) throws -> CommandOutput {
    try context.requireFileStore(Tandem.fileStoreOnly)
    if profiles {
      guard command.isEmpty else { throw CommandFailure.usage("--profiles takes no command") }
      return try Self.listProfiles(in: context)
    }
    guard !command.isEmpty else {
      throw CommandFailure.usage(
        "no command to run: put it after --, e.g. tandem run --serialize -- git fetch")
    }
    guard serialize || isolate else {
      throw CommandFailure.usage("say how to run it: --serialize, --isolate, or both")
    }
    let name = try Self.toolName(tool, command: command)
    let intent = context.intent("-- " + command.joined(separator: " "))
    var locks: [FileLock] = []
    // Released by LockedCommand once CMD has run; here only if CMD never starts.
    var handedOver = false
    defer { if !handedOver { for lock in locks.reversed() { lock.release() } } }
    var environment: [String] = []
    try LockedCommand.takingLocks {
      if serialize {
        locks.append(
          try NamedLock(home: context.options.home, name: "tool." + name).acquire(
            timeout: context.options.lockTimeout, intent: intent))
      }
      if isolate {
        let namespace = try Self.namespace(for: name, in: context)
        if namespace.profile.hasSharedCredentials {
          locks.append(
            try NamedLock(home: context.options.home, name: "tool.\(name).credentials").acquire(
              timeout: context.options.lockTimeout, intent: intent))
        }
        try Self.prepare(namespace, name: name, held: serialize, intent: intent, in: context)
        environment = namespace.redirections.map { "\($0.variable)=\($0.path)" }
      }
    }
    handedOver = true
    let report = try LockedCommand.run(
      command, holding: locks, intent: intent, environment: environment, in: context)
    return CommandOutput(data: try report.encodedData(), text: "")
  }

  /// The tool's name: `--tool`, else the program's base name.
  static func toolName(_ given: String?, command: [String]) throws -> String {
    let name = given ?? String(command[0].split(separator: "/").last ?? "")
    guard ToolProfile.isToolName(name) else {
      throw CommandFailure.usage(
        "\"\(TextEscaping.escape(name))\" is not a tool name (letters, digits, . _ -, at most "
          + "\(ToolProfile.maximumToolNameLength) characters): pass --tool NAME")
    }
    return name
  }

  /// The namespace of `tool` for this agent; an instance id is required.
  static func namespace(for tool: String, in context: CommandContext) throws -> ToolNamespace {
    guard let instance = context.options.instanceID else {
      throw CommandFailure.usage(
        "--isolate needs an instance id: pass \(context.optionNames.flag(.instanceID)) ID or set "
          + context.optionNames.environmentVariable(.instanceID, tool: context.tool))
    }
    return ToolNamespace(
      profile: try ProfileCatalog.profile(for: tool, in: context), instance: instance, in: context)
  }

  /// Seeds the namespace once, under the tool's lock (already held with --serialize).
  static func prepare(
    _ namespace: ToolNamespace, name: String, held: Bool, intent: LockIntent, in context: CommandContext
  )
    throws
  {
    if held { return try namespace.prepare() }
    let seeding = try NamedLock(home: context.options.home, name: "tool." + name).acquire(
      timeout: context.options.lockTimeout, intent: intent)
    defer { seeding.release() }
    try namespace.prepare()
  }

  static func listProfiles(in context: CommandContext) throws -> CommandOutput {
    let user = try ProfileCatalog.userProfiles(in: context)
    let shipped = ShippedProfiles.all.filter { profile in !user.contains { $0.name == profile.name } }
    let all = user + shipped + [ShippedProfiles.generic("NAME")]
    let text = all.map { profile in
      let locations = profile.locations.map { location -> String in
        var line = "  \(location.variable) -> \(location.kind.rawValue) \(location.name)"
        line += location.shared ? " (shared: the user's own, calls serialized)" : ""
        if !location.sharedEntries.isEmpty {
          line += " (shared, never copied: \(location.sharedEntries.joined(separator: ", ")))"
        }
        if !location.seedFrom.isEmpty {
          line += "; seeded from the first of \(location.seedFrom.joined(separator: ", "))"
        }
        return line
      }
      return "\(profile.name): \(profile.summary)\n" + locations.joined(separator: "\n")
    }.joined(separator: "\n")
    return CommandOutput(
      data: .object([
        ("profiles", .array(all.map(\.json))), ("user_profiles", .string(ProfileCatalog.directory(context))),
      ]), text: text)
  }
}
