import Foundation
import Synchronization
import TandemTestSupport
import Testing

@testable import TandemState

@Suite("Atomic, durable writes")
struct AtomicFileTests {
  let directory = TemporaryDirectory()

  func open() throws -> DirectoryHandle {
    try #require(try DirectoryHandle.openRoot(directory.path, create: false))
  }

  @Test("a new file is 0600 whatever the umask, and no temporary file remains")
  func modeAndCleanup() throws {
    let previous = umask(0)
    defer { umask(previous) }
    try AtomicFile.write(Array("hello".utf8), as: "doc.json", in: try open())
    let attributes = try FileManager.default.attributesOfItem(atPath: directory.appending("doc.json"))
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    #expect(directory.entries() == ["doc.json"])
  }

  @Test("replacing keeps 0600 even when the old file was wider")
  func replaceKeepsMode() throws {
    try directory.write("doc.json", Data("old".utf8))
    chmod(directory.appending("doc.json"), 0o644)
    try AtomicFile.write(Array("new".utf8), as: "doc.json", in: try open())
    let attributes = try FileManager.default.attributesOfItem(atPath: directory.appending("doc.json"))
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    #expect(directory.contents("doc.json") == Data("new".utf8))
  }

  static let faults: [(String, Int32, StateError.Code)] = [
    ("write", ENOSPC, .diskFull), ("write", EDQUOT, .diskFull), ("fsync", EIO, .ioError),
    ("fsync", ENOSPC, .diskFull),
    ("rename", EROFS, .readOnlyFileSystem), ("rename", EACCES, .permissionDenied),
    ("open", EACCES, .permissionDenied), ("open", EROFS, .readOnlyFileSystem),
  ]

  @Test("a failing system call leaves the old document and no temporary file", arguments: faults)
  func injectedFault(_ call: String, _ errno: Int32, _ code: StateError.Code) throws {
    try directory.write("doc.json", Data("old".utf8))
    var calls = SystemCalls()
    let fail: @Sendable () -> Void = { Glibc.errno = errno }
    switch call {
    case "write":
      calls.write = { _, _, _ in
        fail(); return -1
      }
    case "fsync":
      calls.fsync = { _ in
        fail(); return -1
      }
    case "rename":
      calls.renameat = { _, _, _, _ in
        fail(); return -1
      }
    default:
      calls.openat = { _, _, _, _ in
        fail(); return -1
      }
    }
    let handle = try open()
    let error = try #require(throws: StateError.self) {
      try SystemCalls.injecting(calls) { try AtomicFile.write(Array("new".utf8), as: "doc.json", in: handle) }
    }
    #expect(error.code == code)
    #expect(error.systemError?.errno == errno)
    #expect(directory.contents("doc.json") == Data("old".utf8))
    #expect(directory.entries() == ["doc.json"])
  }

  @Test("the directory is flushed after the rename, or left to the caller when asked")
  func directoryFlush() throws {
    let handle = try open()
    let directoryFD = handle.fd
    for synchronize in [true, false] {
      let flushed = Mutex<[Int32]>([])
      var calls = SystemCalls()
      calls.fsync = { fd in
        flushed.withLock { $0.append(fd) }
        return Glibc.fsync(fd)
      }
      try SystemCalls.injecting(calls) {
        try AtomicFile.write(
          Array("new \(synchronize)".utf8), as: "doc.json", in: handle, synchronizeDirectory: synchronize)
      }
      #expect(directory.contents("doc.json") == Data("new \(synchronize)".utf8))
      let flushes = flushed.withLock { $0 }
      // The file is always flushed before the rename; the directory only when asked.
      #expect(flushes.count == (synchronize ? 2 : 1))
      #expect(flushes.first != directoryFD)
      #expect(flushes.contains(directoryFD) == synchronize)
    }
  }

  @Test("orphaned temporary files of a target are removed, others are not")
  func orphans() throws {
    try directory.write(".doc.json.tmp-dead1", Data())
    try directory.write(".doc.json.tmp-dead2", Data())
    try directory.write(".other.json.tmp-keep", Data())
    #expect(AtomicFile.removeOrphans(of: "doc.json", in: try open()) == 2)
    #expect(directory.entries() == [".other.json.tmp-keep"])
  }

  @Test("the sweep never removes a temporary file that a live writer holds")
  func liveTemporaryIsKept() throws {
    // A live writer holds an open-file-description lock on its temporary file; the sweep
    // must tell it from an orphan, whose lock the kernel released when its writer died.
    try directory.write(".doc.json.tmp-live", Data("half".utf8))
    try directory.write(".doc.json.tmp-dead", Data())
    let fd = Glibc.open(directory.appending(".doc.json.tmp-live"), O_RDWR)
    defer { Glibc.close(fd) }
    var request = flock()
    request.l_type = Int16(F_WRLCK)
    request.l_whence = Int16(SEEK_SET)
    #expect(fcntl(fd, 37 /* F_OFD_SETLK */, &request) == 0)
    #expect(AtomicFile.removeOrphans(of: "doc.json", in: try open()) == 1)
    #expect(directory.entries() == [".doc.json.tmp-live"])
  }
}
