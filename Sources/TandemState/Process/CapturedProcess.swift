internal import SystemPlatform

/// Runs a helper program with bytes on its standard input and collects what it prints,
/// within a deadline.
///
/// Secrets go to helpers on standard input, never in their argument list, which every user
/// of the machine can read with `ps`. Each helper runs in a process group of its own: when
/// it ends, or when the deadline passes, whatever is left of the group (a process it put in
/// the background) is killed with `SIGKILL`, so nothing outlives the call and holds its
/// pipes open.
package enum CapturedProcess {
  /// What a helper printed and how it ended.
  package struct Result: Sendable {
    /// How it ended; `nil` if it was killed at the deadline.
    package var termination: ChildProcess.Termination?
    /// Everything it wrote to standard output.
    package var standardOutput: [UInt8]
    /// Everything it wrote to standard error.
    package var standardError: [UInt8]
    /// Whether the deadline passed and the helper was killed.
    package var timedOut: Bool { termination == nil }
  }

  /// Runs `arguments` (searched in `PATH`), feeding `input`, for at most `timeout`.
  ///
  /// - Parameter extraEnvironment: `NAME=value` entries that replace or add to the
  ///   inherited environment.
  package static func run(
    _ arguments: [String], input: [UInt8], timeout: Duration, extraEnvironment: [String] = []
  ) throws(StateError) -> Result {
    try start(arguments, input: input, extraEnvironment: extraEnvironment).wait(timeout: timeout)
  }

  /// Starts `arguments` (searched in `PATH`) with `input` waiting on its standard input;
  /// ``Started/wait(timeout:)`` feeds it and collects the output. Several can run
  /// at once. A `Started` dropped without waiting kills its helper.
  package static func start(
    _ arguments: [String], input: [UInt8] = [], extraEnvironment: [String] = []
  ) throws(StateError) -> Started {
    var environment = ProcessEnvironment.inherited()
    for entry in extraEnvironment { environment.set(entry) }
    return try start(arguments, input: input, environment: environment)
  }

  /// ``start(_:input:extraEnvironment:)`` with exactly `environment`, for a caller that must
  /// also take variables away (the demo keeps the caller's `TANDEM_*` from its agents).
  package static func start(
    _ arguments: [String], input: [UInt8] = [], environment: ProcessEnvironment
  ) throws(StateError) -> Started {
    var request = ProcessSpawner.Request(arguments, environment: environment)
    request.standardInput = input.isEmpty ? .null : .pipe
    request.newProcessGroup = true
    let process = try ProcessSpawner.spawn(request)
    if process.standardInput >= 0 {
      // Written as the helper reads, in `wait`: a helper may print before it reads.
      do throws(SystemCallError) {
        try SystemCall.setNonBlocking(process.standardInput)
      } catch {
        throw StateError.system(error, path: arguments[0], doing: "start")
      }
    }
    return Started(process: process, input: input)
  }

  /// A started helper whose output is still to be collected.
  package final class Started {
    private let process: SpawnedProcess
    private let input: [UInt8]

    /// The helper's process id (and process group id).
    package var pid: Int32 { process.pid }

    init(process: SpawnedProcess, input: [UInt8]) {
      self.process = process
      self.input = input
    }

    /// Feeds the input, collects the output until the helper has ended and closed it, and
    /// reaps it. At `timeout` (at most a year) the helper's whole process group is killed
    /// (`SIGKILL`) and the result has no termination. Once the helper itself has ended, what
    /// is left of its group is killed too. Call once.
    package func wait(timeout: Duration = .seconds(365 * 86_400)) -> Result {
      // Bounded, so that the deadline cannot overflow the clock's instant.
      let deadline = ContinuousClock.now + min(timeout, .seconds(365 * 86_400))
      var collected: [[UInt8]] = [[], []]
      let sources = [process.standardOutput, process.standardError]
      var open = sources
      var written = 0
      var buffer = [UInt8](repeating: 0, count: 16_384)
      var termination: ChildProcess.Termination?
      var timedOut = false
      if input.isEmpty { process.closeStandardInput() }

      while !open.isEmpty || termination == nil {
        if termination == nil, let ended = process.exitIfEnded() {
          termination = ended
          // Whatever the helper left running would hold the pipes open: end it.
          ProcessGroup.killAll(process.pid)
        }
        let remaining = deadline - ContinuousClock.now
        if remaining <= .zero {
          timedOut = termination == nil
          break
        }
        var polls = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        if process.standardInput >= 0 {
          polls.append(pollfd(fd: process.standardInput, events: Int16(POLLOUT), revents: 0))
        }
        // Short slices: the helper's end is noticed even while a pipe stays open. A poll
        // that fails (out of memory) ends the collection; the helper is killed below.
        guard (try? SystemCall.poll(&polls, timeout: min(remaining, .milliseconds(50)))) != nil else { break }
        for entry in polls where entry.revents != 0 {
          if entry.fd == process.standardInput {
            do throws(SystemCallError) {
              written += try input.withUnsafeBytes { bytes in
                Swift.Result { () throws(SystemCallError) in
                  try BrokenPipe.write(entry.fd, from: UnsafeRawBufferPointer(rebasing: bytes[written...]))
                }
              }.get()
              if written == input.count { process.closeStandardInput() }
            } catch let error where error.errno == EAGAIN {
              // The pipe is full: the helper has not read yet. Poll again.
            } catch {
              // EPIPE: the helper stopped reading (it may print an error); nothing more to give.
              process.closeStandardInput()
            }
            continue
          }
          let count = buffer.withUnsafeMutableBytes { buffer in
            Swift.Result { () throws(SystemCallError) in try SystemCall.read(entry.fd, into: buffer) }
          }
          if case .success(let count) = count, count > 0 {
            collected[entry.fd == sources[0] ? 0 : 1] += buffer[0..<count]
          } else {
            // The end of its output, or a pipe that cannot be read: stop collecting from it.
            open.removeAll { $0 == entry.fd }
          }
        }
      }
      process.closePipes()
      if termination == nil {
        let ended = process.killAndReap()
        if !timedOut { termination = ended }
      }
      return Result(
        termination: timedOut ? nil : termination, standardOutput: collected[0], standardError: collected[1])
    }
  }
}
