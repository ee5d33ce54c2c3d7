// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "tandem",
  // No `platforms:` on purpose: it would claim a macOS that is not supported. Tandem runs on
  // Linux with glibc only today (open-file-description locks, pipe2, PR_SET_CHILD_SUBREAPER);
  // everything platform-specific is in Sources/SystemPlatform/Platform.swift, which stops
  // the build with an #error anywhere else and lists what a port has to provide.
  products: [
    .library(name: "TandemState", targets: ["TandemState"]),
    .library(name: "TandemCLI", targets: ["TandemCLI"]),
    .library(name: "TandemConfiguration", targets: ["TandemConfiguration"]),
    .library(name: "TandemPostgres", targets: ["TandemPostgres"]),
    .executable(name: "tandem", targets: ["tandem"]),
    .executable(name: "tandem-postgres", targets: ["tandem-postgres"]),
    .executable(name: "tandem-mcp", targets: ["tandem-mcp"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    // No traits: the provider needs only the core protocols, not the file formats (JSON, YAML),
    // the reloading file providers (swift-log, swift-metrics, service-lifecycle) or CLI parsing.
    .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: []),
    // `swift package generate-documentation` (scripts/docs): the DocC catalogs of TandemState
    // and TandemCLI. A command plug-in: nothing of it is linked into a product.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    // The MCP server `tandem-mcp`: here, not in a nested package like Benchmarks/ and Fuzz/.
    // - It resolves: the SDK asks for swift-docc-plugin on branch main, and the root's
    //   requirement above wins (1.5.0). Resolution adds swift-nio, swift-atomics and
    //   eventsource, which the SDK declares for its own conformance tools and Apple
    //   platforms: about 2 s and 21 MB of checkouts; none of them is compiled.
    // - Its cost, measured on a clean `swift build --build-tests` (2 shared cores): 300 s
    //   user CPU and 384 s wall without the server, 411 s and 456 s with it; about 80 s CPU
    //   of that is the SDK (MCP, swift-log, swift-system), the rest the server and its tests.
    //   Incremental builds and `swift build --product tandem` do not pay it, and `tandem`
    //   links none of it.
    // - A nested package would pay the same in scripts/test and CI, and could not call
    //   TandemState's `package` process spawner without compiler flags.
    // 0.x minor releases break API: up to the next minor only.
    .package(url: "https://github.com/modelcontextprotocol/swift-sdk", .upToNextMinor(from: "0.12.1")),
    // `FileDescriptor` for the tests' MCP client, which talks to a spawned server's pipes.
    .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    // The PostgreSQL store (`--store postgresql://...`). Only `tandem-postgres` and the
    // TandemPostgres library link it: it brings SwiftNIO, swift-crypto, BoringSSL and
    // Foundation, which the file-store path must not pay for at start-up.
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    // The database client's logger, given a handler that drops everything: nothing of the
    // client's (queries, parameters) reaches a terminal or a log.
    .package(url: "https://github.com/apple/swift-log", from: "1.5.3"),
  ],
  targets: [
    // The core: state home, locks, atomic files, revisioned config. No CLI dependency.
    .target(name: "TandemState", dependencies: ["SystemPlatform"]),
    // The C library for TandemState's files, and the one file that knows which platform it is.
    .target(name: "SystemPlatform", dependencies: ["CPlatformShims"]),
    // The few glibc GNU extensions Swift's Glibc module leaves out (pipe2, prctl).
    .target(name: "CPlatformShims"),
    // The contract for command-line tools built on swift-argument-parser.
    .target(
      name: "TandemCLI",
      dependencies: [
        "TandemState",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // The reference tool's command tree, built on the two modules above: their public API,
    // and a few `package` helpers a tool author has no need of (the process spawner of `lock
    // run` and `demo`, the clock, the JSON parser, `joined(with:)`, the account-name check).
    // A library, so that two executables can be the same tool: `tandem` and `tandem-postgres`.
    .target(
      name: "TandemCommands",
      dependencies: [
        "TandemState",
        "TandemCLI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/tandem/Tool"
    ),
    // The reference tool: the command tree and the home's files. A `--store postgresql://...`
    // hands the command line to `tandem-postgres` beside it, so that the file store's start-up
    // does not pay for the database client (docs/benchmarks.md, "The PostgreSQL store's client").
    .executableTarget(
      name: "tandem",
      dependencies: ["TandemCommands", "TandemCLI"],
      path: "Sources/tandem/Main"
    ),
    // The same tool with the PostgreSQL store linked in: it serves `--store postgresql://...`
    // itself, and the home's files as `tandem` does.
    .executableTarget(
      name: "tandem-postgres",
      dependencies: ["TandemCommands", "TandemPostgres", "TandemState", "TandemCLI"],
      path: "Sources/tandem/Postgres"
    ),
    // Tandem state as a swift-configuration provider. Its own product: `tandem` does not link
    // it, so the tool's start-up does not pay for swift-configuration.
    .target(
      name: "TandemConfiguration",
      dependencies: [
        "TandemState",
        .product(name: "Configuration", package: "swift-configuration"),
      ]
    ),
    // The example tool for tool authors: `notes`, its own name, variables and home, built only
    // on the public API (README, "For tool authors"). Without package access, so that the
    // compiler holds it to that: `package` declarations are not visible to it.
    .executableTarget(
      name: "notes",
      dependencies: [
        "TandemState",
        "TandemCLI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Examples/notes",
      packageAccess: false
    ),
    // The MCP server over stdio: tools whose input schemas come from `tandem manifest`, each
    // call one `tandem --output json` process. Its own product, so that `tandem`'s start-up
    // does not pay for the SDK (or Foundation); it holds no state of its own.
    .target(
      name: "TandemMCP",
      dependencies: ["TandemState", "TandemCLI", .product(name: "MCP", package: "swift-sdk")]
    ),
    .executableTarget(name: "tandem-mcp", dependencies: ["TandemMCP"]),
    // The PostgreSQL backend: the same store and lock contract as the file store, on a
    // database shared by several hosts (advisory locks, revisions checked in one statement).
    .target(
      name: "TandemPostgres",
      dependencies: [
        "TandemState",
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // Helpers shared by the test targets: temporary homes, running the built tool.
    .target(name: "TandemTestSupport", dependencies: ["TandemState"], path: "Tests/TandemTestSupport"),
    .testTarget(name: "TandemStateTests", dependencies: ["TandemState", "TandemTestSupport"]),
    .testTarget(name: "TandemCLITests", dependencies: ["TandemCLI", "TandemState", "TandemTestSupport"]),
    // Reads through `ConfigReader`; the concurrent writer is the built `tandem` binary.
    .testTarget(
      name: "TandemConfigurationTests",
      dependencies: [
        "TandemConfiguration", "TandemState", "TandemTestSupport", "tandem",
        .product(name: "Configuration", package: "swift-configuration"),
        // swift-configuration's own conformance test for providers.
        .product(name: "ConfigurationTesting", package: "swift-configuration"),
      ]
    ),
    // Runs the built `tandem` binary as real, concurrent processes.
    // `tandem-postgres` too: `tandem` hands it the command lines of a PostgreSQL store.
    .testTarget(
      name: "EndToEndTests",
      dependencies: ["tandem", "tandem-postgres", "TandemCommands", "TandemTestSupport"]),
    // The MCP server: its translation of the manifest and envelopes, and real clients (the
    // SDK's) talking to spawned `tandem-mcp` processes.
    .testTarget(
      name: "TandemMCPTests",
      dependencies: [
        "TandemMCP", "tandem-mcp", "tandem", "TandemState", "TandemCLI", "TandemTestSupport",
        .product(name: "MCP", package: "swift-sdk"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    // The PostgreSQL store: the shared contract checks, its own guarantees and its faults,
    // against a real server (scripts/postgres starts one; scripts/test does it for the tests).
    .testTarget(
      name: "TandemPostgresTests", dependencies: ["TandemPostgres", "TandemState", "TandemTestSupport"]),
    // Runs the built example tool `notes` (and `tandem` beside it) as real, concurrent processes.
    .testTarget(
      name: "ExampleToolTests", dependencies: ["notes", "tandem", "TandemState", "TandemTestSupport"]),
  ]
)

for target in package.targets
where [.executable, .test, .regular].contains(target.type) && target.name != "CPlatformShims" {
  var settings = target.swiftSettings ?? []
  // Require `any` for existential types.
  settings.append(.enableUpcomingFeature("ExistentialAny"))
  // Imports are internal unless a module re-exports them on purpose.
  settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
  settings.append(.enableUpcomingFeature("MemberImportVisibility"))
  target.swiftSettings = settings
}
