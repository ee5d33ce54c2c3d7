import Synchronization
import TandemCLI
import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Lets `SIGINT`, `SIGTERM` and `SIGHUP` end the demo cleanly. Its agents run in process
/// groups of their own, out of the terminal's reach, so the demo stops them itself and
/// removes its temporary directory, instead of dying and leaving both behind.
///
/// The handler only records the signal; the demo looks at it each time an agent ends, so
/// that it stops within one agent's run (a second or two).
enum DemoInterruption {
  private static let received = Atomic<Int32>(0)

  /// Installs the handler for the three signals; one ignored on purpose (a shell's
  /// background job ignores `SIGINT`) stays ignored.
  static func install() {
    var action = sigaction()
    action.sa_flags = SA_RESTART
    action.__sigaction_handler.sa_handler = { signal in
      _ = DemoInterruption.received.compareExchange(
        expected: 0, desired: signal, ordering: .sequentiallyConsistent)
    }
    for signal in WaitInterruption.signals {
      var old = sigaction()
      sigaction(signal, nil, &old)
      if unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == 1 { continue }  // SIG_IGN
      sigaction(signal, &action, nil)
    }
  }

  /// The signal received, if one was.
  static var signal: Int32? {
    let signal = received.load(ordering: .sequentiallyConsistent)
    return signal == 0 ? nil : signal
  }

  /// Throws ``Interrupted`` if a signal was received.
  static func check() throws(Interrupted) {
    if let signal { throw Interrupted(signal: signal) }
  }

  /// The demo was interrupted by `signal`.
  struct Interrupted: Error {
    let signal: Int32

    /// The failure the demo ends with: the status of a process ended by that signal.
    func failure(directory: String, kept: Bool, removed: Bool) -> CommandFailure {
      let name = WaitInterruption.name(of: signal)
      var failure = CommandFailure(
        code: StateError.Code.interrupted.rawValue, exitCode: ExitStatus(128 + signal, name: "INTERRUPTED"),
        message: "the demo was interrupted by \(name); its agents were stopped and "
          + (kept
            ? "its temporary directory is kept at \(directory)"
            : removed
              ? "its temporary directory was removed"
              : "its temporary directory \(directory) could not be removed (remove it with rm -rf)"))
      failure.suggestion = "run tandem demo again if it is still wanted"
      failure.details.append(("signal", .string(name)))
      return failure
    }
  }
}
