import TandemCLI

/// Hand-parsed routes for the commands agents call most, sharing the commands' own code.
/// See ``FastRoute``: anything a route does not fully understand goes to the full parser.
enum FastRoutes {
  static let all: [FastRoute] = [
    FastRoute(["config", "set"], valueOptions: ["--if-revision", "--scope"]) { arguments, context in
      guard !arguments.positionals.isEmpty else { throw FastRoute.Declined() }
      return try ConfigSet.perform(
        assignments: arguments.positionals, ifRevision: try revision(arguments),
        scope: arguments.value("--scope"),
        in: context)
    },
    FastRoute(["config", "get"], valueOptions: ["--scope"]) { arguments, context in
      guard arguments.positionals.count == 1 else { throw FastRoute.Declined() }
      return try ConfigGet.perform(
        key: arguments.positionals[0], scope: arguments.value("--scope"), in: context)
    },
    FastRoute(["config", "unset"], valueOptions: ["--if-revision", "--scope"]) { arguments, context in
      guard !arguments.positionals.isEmpty else { throw FastRoute.Declined() }
      return try ConfigUnset.perform(
        keys: arguments.positionals, ifRevision: try revision(arguments), scope: arguments.value("--scope"),
        in: context)
    },
    FastRoute(["config", "list"], valueOptions: ["--scope", "--limit", "--cursor"]) { arguments, context in
      guard arguments.positionals.isEmpty else { throw FastRoute.Declined() }
      return try ConfigList.perform(
        scope: arguments.value("--scope"), limit: try integer(arguments, "--limit"),
        cursor: arguments.value("--cursor"), in: context
      ).output(in: context.options.output)
    },
    FastRoute(["auth", "token"], valueOptions: ["--account", "--min-ttl"]) { arguments, context in
      guard arguments.positionals.isEmpty else { throw FastRoute.Declined() }
      return try AuthToken.perform(
        account: arguments.value("--account"),
        minTTL: arguments.value("--min-ttl") ?? AuthToken.defaultMinTTL,
        in: context)
    },
    FastRoute(["lock", "status"], valueOptions: ["--name"]) { arguments, context in
      guard arguments.positionals.isEmpty else { throw FastRoute.Declined() }
      return try LockStatusCommand.perform(name: arguments.value("--name"), in: context).output()
    },
  ]

  /// An `Int` option as swift-argument-parser would read it; anything else is left to it.
  private static func integer(_ arguments: FastArguments, _ name: String) throws -> Int? {
    guard let text = arguments.value(name) else { return nil }
    guard let value = Int(text) else { throw FastRoute.Declined() }
    return value
  }

  /// `--if-revision` as swift-argument-parser would read it; anything else is left to it.
  private static func revision(_ arguments: FastArguments) throws -> UInt64? {
    guard let text = arguments.value("--if-revision") else { return nil }
    guard let value = UInt64(text) else { throw FastRoute.Declined() }
    return value
  }
}
