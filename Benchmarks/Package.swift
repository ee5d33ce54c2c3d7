// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so that building or testing Tandem never builds them.
let package = Package(
  name: "TandemBenchmarks",
  // Linux only, like the package it builds on (see ../Package.swift).
  dependencies: [.package(name: "tandem", path: "..")],
  targets: [
    .executableTarget(
      name: "tandem-bench",
      dependencies: [.product(name: "TandemState", package: "tandem")]
    )
  ]
)
