// swift-tools-version:6.1
import PackageDescription

// Coverage-guided fuzz targets (libFuzzer), in a package of their own so that building or
// testing Tandem never builds them. Build and run them with scripts/fuzz.
let package = Package(
  name: "TandemFuzz",
  // Linux only, like the package it builds on (see ../Package.swift).
  dependencies: [
    .package(name: "tandem", path: ".."),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // JSON parser and writer, config documents, credential files, lock records.
    .executableTarget(
      name: "fuzz-json",
      dependencies: [.product(name: "TandemState", package: "tandem")]
    ),
    // The `tandem` command tree itself: Sources/tandem (a symbolic link) without its
    // main.swift, so that the fuzzer drives the real commands in-process.
    .target(
      name: "TandemCommands",
      dependencies: [
        .product(name: "TandemState", package: "tandem"),
        .product(name: "TandemCLI", package: "tandem"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      exclude: ["main.swift"]
    ),
    // argv -> envelope, with a home that cannot be created: nothing is written.
    .executableTarget(
      name: "fuzz-cli",
      dependencies: [
        "TandemCommands",
        .product(name: "TandemState", package: "tandem"),
        .product(name: "TandemCLI", package: "tandem"),
      ]
    ),
  ]
)

for target in package.targets {
  var settings = target.swiftSettings ?? []
  settings.append(.enableUpcomingFeature("ExistentialAny"))
  settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
  settings.append(.enableUpcomingFeature("MemberImportVisibility"))
  // libFuzzer supplies `main`; the targets define LLVMFuzzerTestOneInput.
  settings.append(.unsafeFlags(["-parse-as-library"]))
  target.swiftSettings = settings
}
