internal import SystemPlatform

/// Writing to a pipe whose reader is gone, without dying of `SIGPIPE`.
///
/// Ignoring `SIGPIPE` for the whole process around the write (with `signal`) races with
/// other threads, which would lose the signal or keep it ignored. Instead the signal is
/// blocked for the writing thread only (the kernel sends it to the thread that wrote), and
/// one it raised is taken off the pending set before the mask is restored.
enum BrokenPipe {
  /// One `write(2)`, failing with `EPIPE` instead of raising `SIGPIPE` when the reader is
  /// gone. Returns how many bytes it wrote.
  static func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer) throws(SystemCallError) -> Int {
    let pipeSignal = SystemCall.signalSet([SIGPIPE])
    let previous = SystemCall.changeSignalMask(SIG_BLOCK, pipeSignal)
    defer { SystemCall.changeSignalMask(SIG_SETMASK, previous) }
    let wasPending = SystemCall.contains(SystemCall.pendingSignals(), SIGPIPE)
    do throws(SystemCallError) {
      return try SystemCall.write(fd, from: buffer)
    } catch {
      // The SIGPIPE this write raised, unless one was pending already (not ours to take).
      if error.errno == EPIPE && !wasPending { SystemCall.discardPendingSignal(SIGPIPE) }
      throw error
    }
  }
}
