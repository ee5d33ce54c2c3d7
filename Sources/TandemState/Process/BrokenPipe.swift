#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Writing to a pipe whose reader is gone, without dying of `SIGPIPE`.
///
/// Ignoring `SIGPIPE` for the whole process around the write (with `signal`) races with
/// other threads, which would lose the signal or keep it ignored. Instead the signal is
/// blocked for the writing thread only (the kernel sends it to the thread that wrote), and
/// one it raised is taken off the pending set before the mask is restored.
enum BrokenPipe {
  /// `write(2)`, giving -1 with `EPIPE` instead of a `SIGPIPE` when the reader is gone.
  static func write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    var pipeSignal = sigset_t()
    sigemptyset(&pipeSignal)
    sigaddset(&pipeSignal, SIGPIPE)
    var previous = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
    var pending = sigset_t()
    sigpending(&pending)
    let wasPending = sigismember(&pending, SIGPIPE) == 1
    let result = Glibc.write(fd, buffer, count)
    let code = lastErrno()
    if result < 0 && code == EPIPE && !wasPending {
      var now = timespec()
      _ = sigtimedwait(&pipeSignal, nil, &now)
    }
    pthread_sigmask(SIG_SETMASK, &previous, nil)
    Glibc.errno = code
    return result
  }
}
