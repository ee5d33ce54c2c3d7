import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

// In-process measurements for Benchmarks/bench.py, each printed as one JSON line:
//   tandem-bench disk DIR COUNT              raw durable writes: write + fsync + rename + fsync(dir)
//   tandem-bench transactions HOME COUNT     ConfigStore.update in a loop (lock, read, write, release)
//   tandem-bench handoff HOME PROCESSES ROUNDS
//       PROCESSES competing processes take a named lock ROUNDS times each; every holder
//       writes the time it releases, and the next holder from another process measures the
//       time from that release to its own acquisition.

let arguments = CommandLine.arguments

/// The state is `tandem`'s, so that bench.py can read and write the same homes with the
/// `tandem` binary.
let tandem = ToolIdentity(name: "tandem")

/// Nanoseconds on the monotonic clock, read here: TandemState's clock is not public API.
func monotonicNanoseconds() -> UInt64 {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

func fail(_ message: String) -> Never {
  let line = Array("tandem-bench: \(message)\n".utf8)
  _ = line.withUnsafeBytes { write(2, $0.baseAddress!, $0.count) }
  exit(2)
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
  guard !sorted.isEmpty else { return 0 }
  return sorted[min(sorted.count - 1, Int((fraction * Double(sorted.count - 1)).rounded()))]
}

func rawDisk(directory: String, count: Int) {
  let payload = Array(String(repeating: "x", count: 200).utf8)
  let dir = open(directory, O_RDONLY | O_DIRECTORY)
  guard dir >= 0 else { fail("cannot open \(directory)") }
  let start = monotonicNanoseconds()
  for _ in 0..<count {
    let fd = openat(dir, "raw.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    _ = payload.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
    fsync(fd)
    close(fd)
    renameat(dir, "raw.tmp", dir, "raw.json")
    fsync(dir)
  }
  let seconds = Double(monotonicNanoseconds() - start) / 1e9
  print(#"{"mode":"disk","count":\#(count),"seconds":\#(seconds),"per_second":\#(Double(count) / seconds)}"#)
}

func transactions(home: String, count: Int) throws {
  let store = ConfigStore(home: StateHome(path: home, tool: tandem))
  let intent = LockIntent(instanceID: nil, command: "tandem-bench transactions")
  let start = monotonicNanoseconds()
  for index in 0..<count {
    try store.update(timeout: .default, intent: intent) { $0["key\(index % 100)"] = String(index) }
  }
  let seconds = Double(monotonicNanoseconds() - start) / 1e9
  print(
    #"{"mode":"transactions","count":\#(count),"seconds":\#(seconds),"per_second":\#(Double(count) / seconds)}"#
  )
}

/// One competing process of the hand-off measurement; prints its latencies in microseconds.
func handoffWorker(home: String, rounds: Int) throws {
  let lock = try NamedLock(home: StateHome(path: home, tool: tandem), name: "handoff")
  let stamp = home + "/last-release"
  let me = getpid()
  var latencies: [Double] = []
  for _ in 0..<rounds {
    let held = try lock.acquire(
      timeout: LockTimeout(milliseconds: 60_000), intent: LockIntent(instanceID: nil, command: "bench"))
    let now = monotonicNanoseconds()
    var buffer = [UInt8](repeating: 0, count: 64)
    let fd = open(stamp, O_RDWR | O_CREAT, 0o600)
    let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 64, 0) }
    let fields = String(decoding: buffer[0..<max(0, count)], as: UTF8.self).split(separator: " ")
    if fields.count == 2, let pid = Int32(fields[0]), pid != me, let released = UInt64(fields[1]),
      now > released
    {
      latencies.append(Double(now - released) / 1000)
    }
    // A little work under the lock, then record the release time as late as possible.
    usleep(200)
    let text = Array("\(me) \(monotonicNanoseconds())".utf8) + Array(repeating: 0x20, count: 8)
    _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
    close(fd)
    held.release()
  }
  print(latencies.map { String($0) }.joined(separator: " "))
}

func handoff(home: String, processes: Int, rounds: Int) throws {
  mkdir(home, 0o700)
  var children: [(pid_t, Int32)] = []
  let executable = arguments[0]
  for _ in 0..<processes {
    var pipeFDs: [Int32] = [0, 0]
    pipe(&pipeFDs)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
    let words: [String] = [executable, "handoff-worker", home, String(rounds)]
    var argv = words.map { strdup($0) } + [nil]
    var pid: pid_t = 0
    guard posix_spawn(&pid, "/proc/self/exe", &actions, nil, &argv, environ) == 0 else {
      fail("cannot spawn")
    }
    argv.forEach { free($0) }
    posix_spawn_file_actions_destroy(&actions)
    close(pipeFDs[1])
    children.append((pid, pipeFDs[0]))
  }
  var latencies: [Double] = []
  for (pid, fd) in children {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
      if count <= 0 { break }
      bytes += buffer[0..<count]
    }
    close(fd)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    latencies += String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
      .compactMap { Double($0) }
  }
  latencies.sort()
  print(
    #"{"mode":"handoff","processes":\#(processes),"samples":\#(latencies.count),"p50_us":\#(percentile(latencies, 0.5)),"p99_us":\#(percentile(latencies, 0.99)),"max_us":\#(latencies.last ?? 0)}"#
  )
}

guard arguments.count >= 2 else { fail("usage: tandem-bench disk|transactions|handoff ...") }
do {
  switch arguments[1] {
  case "disk" where arguments.count == 4: rawDisk(directory: arguments[2], count: Int(arguments[3]) ?? 1000)
  case "transactions" where arguments.count == 4:
    try transactions(home: arguments[2], count: Int(arguments[3]) ?? 1000)
  case "handoff" where arguments.count == 5:
    try handoff(home: arguments[2], processes: Int(arguments[3]) ?? 4, rounds: Int(arguments[4]) ?? 200)
  case "handoff-worker" where arguments.count == 4:
    try handoffWorker(home: arguments[2], rounds: Int(arguments[3]) ?? 200)
  default: fail("usage: tandem-bench disk DIR N | transactions HOME N | handoff HOME PROCESSES ROUNDS")
  }
} catch {
  fail("\(error)")
}
