import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// SIGINT, SIGTERM and SIGHUP during an asynchronous command: the command's task is
/// cancelled (a suspended lock wait then ends at once with `CANCELLED`, nothing taken), and
/// the command ends as an interrupted one, exit 128 + signal, with its envelope, as a
/// synchronous command's lock wait does (`WaitInterruption`).
///
/// Installed only when an asynchronous command runs, by the tool's own `main`: the signals
/// are then delivered to dispatch sources on the main queue instead of killing the process.
enum AsyncInterruption {
  private static let received = Atomic<Int32>(0)
  nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

  /// The signal that interrupted the asynchronous command, if one did.
  static var interruptingSignal: Int32? {
    let value = received.load(ordering: .sequentiallyConsistent)
    return value == 0 ? nil : value
  }

  /// Cancels `task` at the first of the signals. Call once, from `main`, before
  /// `dispatchMain()`.
  static func cancel<Success>(_ task: Task<Success, Never>, on signals: [Int32]) {
    for number in signals {
      Glibc.signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
      source.setEventHandler {
        _ = received.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent)
        task.cancel()
      }
      source.resume()
      sources.append(source)
    }
  }
}
