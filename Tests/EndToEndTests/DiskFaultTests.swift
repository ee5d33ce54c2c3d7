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

@Suite("Disk faults on a real file system", .serialized)
struct DiskFaultTests {
  @Test("disk full: exit 4 DISK_FULL, the old document intact, no temporary file left")
  func diskFull() throws {
    guard let fs = SmallFileSystem(kilobytes: 256) else {
      print("skipped: cannot mount a tmpfs here (needs root)")
      return
    }
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

  @Test("read-only file system: exit 4 READ_ONLY_FILESYSTEM; reads keep working")
  func readOnly() throws {
    guard let fs = SmallFileSystem(kilobytes: 1024) else {
      print("skipped: cannot mount a tmpfs here (needs root)")
      return
    }
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

  @Test("permission denied: exit 7 PERMISSION_DENIED for a user who may not write the home")
  func permissionDenied() throws {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
      print("skipped: needs root and setpriv to act as another user")
      return
    }
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
    guard !result.standardError.contains("Permission denied") || result.status != 126 else {
      print("skipped: the test binary is not executable by another user here")
      return
    }
    #expect(result.status == 7, "\(result.standardOutput) \(result.standardError)")
    #expect(result.errorCode == "PERMISSION_DENIED")
    #expect(try home.values() == ["keep": "1"])
  }
}
