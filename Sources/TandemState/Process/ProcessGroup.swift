#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Ends what is left of a process group: the processes a command started and left behind.
package enum ProcessGroup {
  /// How long the processes left in a group get to exit after `SIGTERM` before `SIGKILL`.
  package static let graceMilliseconds: Int64 = 1000

  /// Sends `SIGTERM` to the group `id`, waits up to `graceMilliseconds` for it to empty,
  /// then sends `SIGKILL` and waits (briefly) for that to take effect.
  ///
  /// Members that this process can reap (its children, including orphans it adopted as a
  /// subreaper) are reaped as they exit: a zombie still counts as a group member. Returns
  /// at once if the group is already empty.
  package static func end(_ id: Int32, graceMilliseconds: Int64 = graceMilliseconds) {
    guard id > 0, kill(-id, SIGTERM) == 0 else { return }
    if waitUntilEmpty(id, milliseconds: graceMilliseconds) { return }
    kill(-id, SIGKILL)
    _ = waitUntilEmpty(id, milliseconds: 1000)
  }

  /// Sends `SIGKILL` to the group `id` and reaps those of its members that are children of
  /// this process and already gone. Does not wait: a killed orphan may stay a zombie for
  /// as long as PID 1 does not reap it (common in containers), yet it holds nothing open.
  package static func killAll(_ id: Int32) {
    guard id > 0, kill(-id, SIGKILL) == 0 else { return }
    var status: Int32 = 0
    while waitpid(-id, &status, WNOHANG) > 0 {}
  }

  /// Whether any process of the group `id` is left (a zombie included).
  package static func isAlive(_ id: Int32) -> Bool {
    kill(-id, 0) == 0 || lastErrno() == EPERM
  }

  /// Waits up to `milliseconds` for the group `id` to empty, reaping those of its members
  /// that are children of this process. Returns whether it did.
  package static func waitUntilEmpty(_ id: Int32, milliseconds: Int64) -> Bool {
    let deadline = SystemClock.monotonicMilliseconds() + milliseconds
    while true {
      var status: Int32 = 0
      while waitpid(-id, &status, WNOHANG) > 0 {}
      if !isAlive(id) { return true }
      if SystemClock.monotonicMilliseconds() >= deadline { return false }
      usleep(5_000)
    }
  }
}
