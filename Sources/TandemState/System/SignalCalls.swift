internal import SystemPlatform

/// The funnel for signal masks and handlers (see SystemCall.swift).
///
/// These calls fail only when given an invalid signal or operation, which here are
/// constants: a failure is a bug, and stops the process rather than leave a signal
/// unexpectedly blocked or unhandled.
extension SystemCall {
  /// A set of the given signals.
  static func signalSet(_ signals: [Int32]) -> sigset_t {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals {
      let added = sigaddset(&set, signal)
      precondition(added == 0, "sigaddset: invalid signal \(signal)")
    }
    return set
  }

  /// `pthread_sigmask`: changes this thread's blocked signals (`SIG_BLOCK`, `SIG_UNBLOCK`,
  /// `SIG_SETMASK` with `set`) and returns the mask it had before.
  @discardableResult
  static func changeSignalMask(_ how: Int32, _ set: sigset_t) -> sigset_t {
    var set = set
    var previous = sigset_t()
    let error = pthread_sigmask(how, &set, &previous)
    precondition(error == 0, "pthread_sigmask: \(SystemCallError("pthread_sigmask", errno: error).reason)")
    return previous
  }

  /// The signals pending for this thread or the process.
  static func pendingSignals() -> sigset_t {
    var set = sigset_t()
    let result = sigpending(&set)
    precondition(result == 0, "sigpending failed")
    return set
  }

  /// Whether `signal` is in `set`.
  static func contains(_ set: sigset_t, _ signal: Int32) -> Bool {
    var set = set
    return sigismember(&set, signal) == 1
  }

  /// Takes `signal`, blocked and pending, off the pending set without waiting; does nothing
  /// when it is not pending.
  static func discardPendingSignal(_ signal: Int32) {
    let taken = Platform.takePendingSignal(signal)
    precondition(
      taken == signal || Platform.errno == EAGAIN || Platform.errno == EINTR, "sigtimedwait failed")
  }

  /// `sigaction`: installs `action` for `signal` and returns the previous one.
  @discardableResult
  static func setSignalAction(_ signal: Int32, _ action: sigaction) -> sigaction {
    var action = action
    var previous = sigaction()
    let result = sigaction(signal, &action, &previous)
    precondition(result == 0, "sigaction: invalid signal \(signal)")
    return previous
  }

  /// Sends `signal` to this process itself.
  static func raiseSignal(_ signal: Int32) {
    let result = raise(signal)
    precondition(result == 0, "raise: invalid signal \(signal)")
  }
}
