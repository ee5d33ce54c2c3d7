import Foundation
import Synchronization
import TandemTestSupport
import Testing

@testable import TandemState

/// The system-call funnel: `EINTR` retried once per interruption, in one place; failures
/// surface as typed errors with the right code; nothing is left half-written.
@Suite("System-call funnel")
struct SystemCallFunnelTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }

  /// Counts calls and fails the first `failures` of them with `errno`.
  final class Failing: Sendable {
    let failures: Int
    let errno: Int32
    private let count = Mutex(0)

    init(_ failures: Int, with errno: Int32) {
      self.failures = failures
      self.errno = errno
    }

    var calls: Int { count.withLock { $0 } }

    /// Whether this call must fail (errno is then set).
    func shouldFail() -> Bool {
      let index = count.withLock { count in
        defer { count += 1 }
        return count
      }
      guard index < failures else { return false }
      Glibc.errno = errno
      return true
    }
  }

  @Test("the one retry loop retries -1 with EINTR, and only that")
  func retryLoop() {
    var results: [Int32] = [-1, -1, 7]
    var calls = 0
    let value = retryingOnInterrupt { () -> Int32 in
      calls += 1
      let result = results.removeFirst()
      if result == -1 { Glibc.errno = EINTR }
      return result
    }
    #expect(value == 7 && calls == 3)

    calls = 0
    let failed = retryingOnInterrupt { () -> Int32 in
      calls += 1
      Glibc.errno = EIO
      return -1
    }
    #expect(failed == -1 && calls == 1 && lastErrno() == EIO)
  }

  @Test("interrupted writes and flushes are retried once per interruption, and the write lands whole")
  func interruptedWriteIsRetried() throws {
    let store = ConfigStore(home: home)
    try store.update { $0["a"] = "1" }
    let writes = Failing(2, with: EINTR)
    let flushes = Failing(1, with: EINTR)
    var calls = SystemCalls()
    calls.write = { fd, buffer, count in writes.shouldFail() ? -1 : Glibc.write(fd, buffer, count) }
    calls.fsync = { fd in flushes.shouldFail() ? -1 : Glibc.fsync(fd) }
    _ = try SystemCalls.injecting(calls) { try store.update { $0["a"] = "2" } }
    // Two interruptions and the write that succeeded; no second loop anywhere retried again.
    #expect(writes.calls == 3)
    // One interruption, then the file, then the directory (after the lock's release).
    #expect(flushes.calls == 3)
    #expect(try store.read().values == ["a": "2"])
    #expect(try store.read().revision == 2)
  }

  @Test("close is never retried: its descriptor is gone whatever it reports")
  func closeIsNotRetried() throws {
    let closes = Failing(1, with: EINTR)
    let fd = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
    try #require(fd >= 0)
    var calls = SystemCalls()
    calls.close = { fd in
      // The real close happens either way, as the kernel's does.
      _ = Glibc.close(fd)
      return closes.shouldFail() ? -1 : 0
    }
    SystemCalls.injecting(calls) { SystemCall.release(fd) }
    #expect(closes.calls == 1)
  }

  /// A fault, where it strikes, and the code it must surface as.
  struct Fault: Sendable, CustomTestStringConvertible {
    var call: String
    var errno: Int32
    var code: StateError.Code
    var testDescription: String { "\(call) failing with errno \(errno) is \(code.rawValue)" }
  }

  static let faults: [Fault] = [
    Fault(call: "write", errno: ENOSPC, code: .diskFull),
    Fault(call: "write", errno: EDQUOT, code: .diskFull),
    Fault(call: "write after part of the document", errno: ENOSPC, code: .diskFull),
    Fault(call: "write", errno: EIO, code: .ioError),
    Fault(call: "fsync", errno: ENOSPC, code: .diskFull),
    Fault(call: "fsync", errno: EIO, code: .ioError),
    Fault(call: "fchmod", errno: EPERM, code: .permissionDenied),
    Fault(call: "openat", errno: EACCES, code: .permissionDenied),
    Fault(call: "openat", errno: EROFS, code: .readOnlyFileSystem),
    Fault(call: "openat", errno: ENOSPC, code: .diskFull),
    Fault(call: "renameat", errno: EROFS, code: .readOnlyFileSystem),
    Fault(call: "renameat", errno: EACCES, code: .permissionDenied),
    Fault(call: "renameat", errno: EIO, code: .ioError),
  ]

  @Test(
    "a fault in a write surfaces as its code; the document and its revision stay, nothing is left over",
    arguments: faults)
  func injectedFaultInUpdate(_ fault: Fault) throws {
    let store = ConfigStore(home: home)
    try store.update { $0["a"] = "1" }
    let before = directory.contents("home/config.json")
    let temporary = AtomicFile.temporaryPrefix(for: ConfigStore.fileName)
    let errno = fault.errno
    let fail: @Sendable () -> Void = { Glibc.errno = errno }

    var calls = SystemCalls()
    switch fault.call {
    case "write":
      calls.write = { _, _, _ in
        fail()
        return -1
      }
    case "write after part of the document":
      let writes = Failing(0, with: 0)
      calls.write = { fd, buffer, count in
        // The first write takes half the bytes, the next finds the disk full.
        guard writes.shouldFail() == false, writes.calls == 1 else {
          fail()
          return -1
        }
        return Glibc.write(fd, buffer, count / 2)
      }
    case "fsync":
      calls.fsync = { _ in
        fail()
        return -1
      }
    case "fchmod":
      calls.fchmod = { _, _ in
        fail()
        return -1
      }
    case "openat":
      // Only the temporary file: the directories and the lock file open as usual.
      calls.openat = { directory, path, flags, mode in
        guard path.hasPrefix(temporary) else { return Glibc.openat(directory, path, flags, mode) }
        fail()
        return -1
      }
    default:
      calls.renameat = { _, _, _, _ in
        fail()
        return -1
      }
    }
    let error = try #require(throws: StateError.self) {
      try SystemCalls.injecting(calls) { try store.update { $0["a"] = "2" } }
    }
    #expect(error.code == fault.code)
    #expect(error.systemError?.errno == fault.errno)
    #expect(error.systemError?.call == (fault.call.hasPrefix("write") ? "write" : fault.call))
    #expect(error.path == store.path)
    // Nothing half-written: the old bytes, the old revision, no temporary file.
    #expect(directory.contents("home/config.json") == before)
    #expect(try store.read().revision == 1)
    #expect(directory.entries("home").filter { $0.hasPrefix(temporary) }.isEmpty)
    // And the lock was let go: the next write, without the fault, goes through. Not with a
    // 0 ms timeout: a process another test is starting at this moment holds a copy of every
    // descriptor of this process until it executes its program (close-on-exec), the released
    // lock's included, for a moment; a lock this process still held would hold it for good.
    let next = try store.update(timeout: .seconds(5)) { $0["a"] = "3" }
    #expect(next.document.revision == 2)
  }

  @Test("a failure to create the state home surfaces as its code")
  func injectedFaultCreatingHome() throws {
    var calls = SystemCalls()
    calls.mkdirat = { _, _, _ in
      Glibc.errno = EROFS
      return -1
    }
    let error = try #require(throws: StateError.self) {
      try SystemCalls.injecting(calls) { try ConfigStore(home: home).update { $0["a"] = "1" } }
    }
    #expect(error.code == .readOnlyFileSystem)
    #expect(error.systemError == SystemCallError("mkdirat", errno: EROFS))
    #expect(!FileManager.default.fileExists(atPath: home.path))
  }

  @Test("a pipe that cannot be made fails the start cleanly and closes the pipe made before it")
  func injectedPipeFailure() throws {
    let made = Mutex<[Int32]>([])
    let closed = Mutex<Set<Int32>>([])
    var calls = SystemCalls()
    calls.pipe = { fds, flags in
      // The first pipe (standard input) is made; the second runs out of descriptors.
      guard made.withLock({ $0.isEmpty }) else {
        Glibc.errno = EMFILE
        return -1
      }
      // The system's pipe, as the funnel makes it (both ends close-on-exec).
      let result = Glibc.pipe(fds)
      for fd in [fds[0], fds[1]] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
      made.withLock { $0 = [fds[0], fds[1]] }
      return result
    }
    calls.close = { fd in
      closed.withLock { _ = $0.insert(fd) }
      return Glibc.close(fd)
    }
    let error = try #require(throws: StateError.self) {
      try SystemCalls.injecting(calls) { try CapturedProcess.start(["/bin/cat"], input: Array("x".utf8)) }
    }
    #expect(error.code == .ioError)
    #expect(error.systemError == SystemCallError("pipe2", errno: EMFILE))
    let first = made.withLock { $0 }
    #expect(first.count == 2)
    #expect(closed.withLock { $0 }.isSuperset(of: first))
  }

  @Test("a program that cannot be started is NOT_FOUND with the spawn's errno")
  func injectedSpawnFailure() throws {
    var calls = SystemCalls()
    calls.spawn = { _, _, _, _, _, _ in ENOENT }
    let error = try #require(throws: StateError.self) {
      try SystemCalls.injecting(calls) { try CapturedProcess.start(["/bin/true"]) }
    }
    #expect(error.code == .notFound)
    #expect(error.systemError == SystemCallError("posix_spawnp", errno: ENOENT))
  }

  @Test("injection stays with the task that injected: other tasks keep the live calls")
  func injectionIsScoped() async throws {
    let store = ConfigStore(home: home)
    var calls = SystemCalls()
    calls.write = { _, _, _ in
      Glibc.errno = ENOSPC
      return -1
    }
    let other = SystemCalls.injecting(calls) {
      // A task that does not inherit the injection (detached) writes as usual.
      let other = Task.detached { try store.update { $0["a"] = "1" }.document.revision }
      #expect(throws: StateError.self) { try store.update(timeout: .seconds(5)) { $0["b"] = "1" } }
      return other
    }
    #expect(try await other.value == 1)
    #expect(try store.read().values == ["a": "1"])
  }

  @Test("durations convert to the milliseconds of JSON fields and poll timeouts")
  func durationMilliseconds() {
    #expect(Duration.milliseconds(1500).wholeMilliseconds == 1500)
    #expect(Duration.microseconds(1999).wholeMilliseconds == 1)
    #expect(Duration.microseconds(1999).roundedUpMilliseconds == 2)
    #expect(Duration.microseconds(200).roundedUpMilliseconds == 1)
    #expect(Duration.zero.roundedUpMilliseconds == 0)
    #expect(Duration.seconds(Int64.max).wholeMilliseconds == Int64.max)
    #expect(Duration.seconds(Int64.min).wholeMilliseconds == Int64.min)
  }
}
