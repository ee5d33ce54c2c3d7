import Synchronization

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Makes lock waits end cleanly on `SIGINT`, `SIGTERM` or `SIGHUP`: the wait gives up, and
/// the caller gets ``StateError/Code/interrupted`` (nothing was written) instead of the
/// process dying silently.
///
/// Off unless ``enable()`` is called (`CommandLineTool` does, for a command-line tool's one
/// command per process). Even then nothing is installed until a wait actually has to block:
/// only then are handlers set for the three signals, and the previous ones are put back as
/// soon as the wait ends, before anything is written. A signal that arrives after that
/// (while a write commits) has its usual effect, and the write is still all or nothing.
///
/// The handler only records the signal and wakes the waiting thread through a pipe (both
/// async-signal-safe). One wait at a time is interruptible; a second, concurrent wait on
/// another thread waits as usual.
package enum WaitInterruption {
  /// The signals that interrupt a blocked wait.
  package static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

  private static let enabled = Atomic<Bool>(false)
  private static let armed = Atomic<Bool>(false)
  /// The pipe end the handler writes to; -1 when no wait is armed.
  private static let wakeDescriptor = Atomic<Int32>(-1)
  private static let received = Atomic<Int32>(0)

  /// Lets lock waits that block be interrupted by `SIGINT`, `SIGTERM` and `SIGHUP`. Cheap:
  /// it installs nothing by itself.
  package static func enable() { enabled.store(true, ordering: .relaxed) }

  /// The signal that interrupted a wait in this process, if one did.
  package static var interruptingSignal: Int32? {
    let signal = received.load(ordering: .sequentiallyConsistent)
    return signal == 0 ? nil : signal
  }

  /// The error for a wait on `path` that `signal` interrupted.
  static func error(signal: Int32, path: String) -> StateError {
    var error = StateError(
      .interrupted,
      "interrupted by \(name(of: signal)) while waiting for the lock on \(path); nothing was written under it",
      path: path)
    // "Under it": a command that already committed under another lock (auth login stores the
    // account, then waits to make it active) did write that.
    error.suggestion = "run the command again if it is still wanted"
    return error
  }

  /// "SIGTERM".
  package static func name(of signal: Int32) -> String {
    switch signal {
    case SIGINT: return "SIGINT"
    case SIGTERM: return "SIGTERM"
    case SIGHUP: return "SIGHUP"
    default: return "signal \(signal)"
    }
  }

  /// The handlers that were in place before a wait armed its own.
  struct Armed {
    fileprivate var saved: [(Int32, sigaction)]
  }

  /// Installs the handlers for a wait that is about to block, if interruption is enabled
  /// and no other wait is armed; a signal then writes a byte to `wakeFD`.
  static func arm(wakeFD: Int32) -> Armed? {
    guard enabled.load(ordering: .relaxed),
      armed.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
    else { return nil }
    received.store(0, ordering: .sequentiallyConsistent)
    wakeDescriptor.store(wakeFD, ordering: .sequentiallyConsistent)
    var action = sigaction()
    action.sa_flags = 0
    action.__sigaction_handler.sa_handler = { signal in
      let savedErrno = Glibc.errno
      _ = WaitInterruption.received.compareExchange(
        expected: 0, desired: signal, ordering: .sequentiallyConsistent)
      let fd = WaitInterruption.wakeDescriptor.load(ordering: .sequentiallyConsistent)
      if fd >= 0 {
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
      }
      Glibc.errno = savedErrno
    }
    var saved: [(Int32, sigaction)] = []
    for signal in signals {
      var old = sigaction()
      sigaction(signal, nil, &old)
      // A signal ignored on purpose (a shell's background job ignores SIGINT) stays ignored.
      if unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == 1 { continue }  // SIG_IGN
      sigaction(signal, &action, nil)
      saved.append((signal, old))
    }
    return Armed(saved: saved)
  }

  /// Puts the previous handlers back; returns the signal that arrived while armed, if any.
  static func disarm(_ armed: Armed) -> Int32? {
    for (signal, old) in armed.saved {
      var restore = old
      sigaction(signal, &restore, nil)
    }
    wakeDescriptor.store(-1, ordering: .sequentiallyConsistent)
    self.armed.store(false, ordering: .sequentiallyConsistent)
    return interruptingSignal
  }
}

extension StateError.Code {
  /// A signal (`SIGINT`, `SIGTERM`, `SIGHUP`) ended a lock wait; nothing was written.
  public static let interrupted = StateError.Code("INTERRUPTED")
}
