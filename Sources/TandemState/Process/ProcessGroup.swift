internal import SystemPlatform

/// Ends what is left of a process group: the processes a command started and left behind.
package enum ProcessGroup {
  /// How long the processes left in a group get to exit after `SIGTERM` before `SIGKILL`.
  package static let grace: Duration = .seconds(1)

  /// Sends `SIGTERM` to the group `id`, waits up to `grace` for it to empty, then sends
  /// `SIGKILL` and waits (briefly) for that to take effect.
  ///
  /// Members that this process can reap (its children, including orphans it adopted as a
  /// subreaper) are reaped as they exit: a zombie still counts as a group member. Returns
  /// at once if the group is already empty.
  package static func end(_ id: Int32, grace: Duration = grace) {
    // ESRCH: the group is already empty.
    guard id > 0, (try? SystemCall.signal(-id, SIGTERM)) != nil else { return }
    if waitUntilEmpty(id, within: grace) { return }
    // Whatever this reports, the wait below sees what is left.
    try? SystemCall.signal(-id, SIGKILL)
    _ = waitUntilEmpty(id, within: .seconds(1))
  }

  /// Sends `SIGKILL` to the group `id` and reaps those of its members that are children of
  /// this process and already gone. Does not wait: a killed orphan may stay a zombie for
  /// as long as PID 1 does not reap it (common in containers), yet it holds nothing open.
  package static func killAll(_ id: Int32) {
    guard id > 0, (try? SystemCall.signal(-id, SIGKILL)) != nil else { return }
    reapEnded(id)
  }

  /// Whether any process of the group `id` is left (a zombie included).
  package static func isAlive(_ id: Int32) -> Bool {
    do throws(SystemCallError) {
      try SystemCall.signal(-id, 0)
      return true
    } catch {
      // EPERM: members exist, owned by someone else. ESRCH: none.
      return error.errno == EPERM
    }
  }

  /// Waits up to `duration` for the group `id` to empty, reaping those of its members
  /// that are children of this process. Returns whether it did.
  package static func waitUntilEmpty(_ id: Int32, within duration: Duration) -> Bool {
    let deadline = ContinuousClock.now + duration
    while true {
      reapEnded(id)
      if !isAlive(id) { return true }
      if ContinuousClock.now >= deadline { return false }
      SystemClock.sleep(for: .milliseconds(5))
    }
  }

  /// Reaps the members of group `id` that are children of this process and have ended.
  private static func reapEnded(_ id: Int32) {
    // Stops at none left to reap (nil) or none that are this process's children (ECHILD).
    while (try? SystemCall.wait(for: -id, options: WNOHANG)) != nil {}
  }
}
