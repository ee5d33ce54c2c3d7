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
      dependencies: [.product(name: "TandemState", package: "tandem")],
      packageAccess: false
    ),
    // The `tandem` command tree itself: Sources/tandem/Tool (a symbolic link), the library
    // that `tandem` and `tandem-postgres` run, so that the fuzzer drives the real commands
    // in-process. (Named apart from that library, `TandemCommands`: one package graph cannot
    // hold two targets of one name.)
    .target(
      name: "TandemCommandTree",
      dependencies: [
        .product(name: "TandemState", package: "tandem"),
        .product(name: "TandemCLI", package: "tandem"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      packageAccess: false
    ),
    // argv -> envelope, with a home that cannot be created: nothing is written.
    .executableTarget(
      name: "fuzz-cli",
      dependencies: [
        "TandemCommandTree",
        .product(name: "TandemState", package: "tandem"),
        .product(name: "TandemCLI", package: "tandem"),
      ],
      packageAccess: false
    ),
  ]
)

// The fuzz targets drive Tandem's own code, `tandem`'s command tree included, which uses a
// few `package` declarations of TandemState and TandemCLI (spawning processes, the clock,
// the JSON parser). `package` declarations are visible to modules compiled under the same
// package name, so the targets here (`packageAccess: false`: no name of this package's own)
// are compiled under the name SwiftPM gives the package in `..`: its identity (the
// directory's name, lower-cased) as a C identifier, where every character other than a
// letter, digit or `_` becomes `_`, as does a leading digit.
let tandemPackageName: String = {
  let directory = Context.packageDirectory.split(separator: "/").dropLast().last.map(String.init) ?? "tandem"
  var name = String.UnicodeScalarView()
  for (index, scalar) in directory.lowercased().unicodeScalars.enumerated() {
    let isLetter = ("a"..."z").contains(scalar) || scalar == "_"
    let isDigit = ("0"..."9").contains(scalar)
    name.append(isLetter || (isDigit && index > 0) ? scalar : "_")
  }
  return String(name)
}()

for target in package.targets {
  var settings = target.swiftSettings ?? []
  settings.append(.unsafeFlags(["-package-name", tandemPackageName]))
  settings.append(.enableUpcomingFeature("ExistentialAny"))
  settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
  settings.append(.enableUpcomingFeature("MemberImportVisibility"))
  // libFuzzer supplies `main`; the targets define LLVMFuzzerTestOneInput.
  settings.append(.unsafeFlags(["-parse-as-library"]))
  target.swiftSettings = settings
}
