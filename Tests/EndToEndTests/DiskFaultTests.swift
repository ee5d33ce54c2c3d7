import Foundation
import TandemTestSupport
import Testing

/// A small tmpfs, when this process may mount one (root in CI), else nil.
final class SmallFileSystem {
  let mountPoint: TemporaryDirectory

  init?(kilobytes: Int) {
    mountPoint = TemporaryDirectory("tandem-fs")
    let result = try? TandemBinary.startProgram(
      "/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", mountPoint.path]
    ).wait()
    guard result?.status == 0 else { return nil }
  }

  func remount(readOnly: Bool) -> Bool {
    (try? TandemBinary.startProgram(
      "/bin/mount", ["-o", "remount,\(readOnly ? "ro" : "rw")", mountPoint.path]
    ).wait())?
    .status == 0
  }

  deinit {
    _ = try? TandemBinary.startProgram("/bin/umount", [mountPoint.path]).wait()
  }
}

/// What the disk-fault tests need from the machine, probed once: they are reported as
/// skipped, not passed, where it is missing.
enum DiskFaultConditions {
  /// This process can mount a tmpfs (root).
  static let canMount: Bool = SmallFileSystem(kilobytes: 64) != nil

  /// This process is root and can run the built binary as another user.
  static let canActAsAnotherUser: Bool = {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
      return false
    }
    let result = try? TandemBinary.startProgram(
      "/usr/bin/setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", TandemBinary.path, "--version"]
    ).wait()
    return result?.status == 0
  }()
}

@Suite("Disk faults on a real file system", .serialized)
struct DiskFaultTests {
  @Test(
    "disk full: exit 4 DISK_FULL, the old document intact, no temporary file left",
    .enabled(if: DiskFaultConditions.canMount, "needs root, to mount a small tmpfs"))
  func diskFull() throws {
    let fs = try #require(SmallFileSystem(kilobytes: 256))
    let home = fs.mountPoint.appending("home")
    let tandem = { (args: [String]) in try TandemBinary.run(["--home", home, "--output", "json"] + args) }
    #expect(try tandem(["config", "set", "keep=1"]).status == 0)
    let before = FileManager.default.contents(atPath: home + "/config.json")
    // Fill the file system.
    _ = try TandemBinary.startProgram("/bin/sh", ["-c", "cat /dev/zero > \(fs.mountPoint.path)/filler"])
      .wait()
    let value = String(repeating: "v", count: 60_000)
    let result = try tandem(["config", "set", "a=\(value)", "b=\(value)"])
    #expect(result.status == 4 && result.errorCode == "DISK_FULL", "\(result.standardOutput)")
    #expect(FileManager.default.contents(atPath: home + "/config.json") == before)
    #expect(fs.mountPoint.entries("home").filter { $0.contains(".tmp-") }.isEmpty)
    #expect(try tandem(["config", "get", "keep"]).status == 0, "reads keep working")
  }

  @Test(
    "read-only file system: exit 4 READ_ONLY_FILESYSTEM; reads keep working",
    .enabled(if: DiskFaultConditions.canMount, "needs root, to mount and remount a tmpfs"))
  func readOnly() throws {
    let fs = try #require(SmallFileSystem(kilobytes: 1024))
    let home = fs.mountPoint.appending("home")
    let tandem = { (args: [String]) in try TandemBinary.run(["--home", home, "--output", "json"] + args) }
    #expect(try tandem(["config", "set", "keep=1"]).status == 0)
    #expect(fs.remount(readOnly: true))
    defer { _ = fs.remount(readOnly: false) }
    let result = try tandem(["config", "set", "k=v"])
    #expect(result.status == 4 && result.errorCode == "READ_ONLY_FILESYSTEM", "\(result.standardOutput)")
    #expect(try tandem(["config", "get", "keep"]).data?["value"] as? String == "1")
    #expect(try tandem(["config", "list"]).status == 0)
  }

  @Test(
    "permission denied: exit 7 PERMISSION_DENIED for a user who may not write the home",
    .enabled(if: DiskFaultConditions.canActAsAnotherUser, "needs root, setpriv, and a binary others may run"))
  func permissionDenied() throws {
    let home = Home()
    try home.run(["config", "set", "keep=1"])
    chmod(home.directory.path, 0o755)
    chmod(home.path, 0o755)
    chmod(home.path + "/config.json", 0o644)
    let result = try TandemBinary.startProgram(
      "/usr/bin/setpriv",
      [
        "--reuid=65534", "--regid=65534", "--clear-groups", TandemBinary.path, "--home", home.path,
        "--output", "json",
        "config", "set", "k=v",
      ]
    ).wait()
    #expect(result.status == 7, "\(result.standardOutput) \(result.standardError)")
    #expect(result.errorCode == "PERMISSION_DENIED")
    #expect(try home.values() == ["keep": "1"])
  }
}
