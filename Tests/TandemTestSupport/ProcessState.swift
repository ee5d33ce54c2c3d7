import Foundation

/// Process checks for tests about what a command leaves running.
public enum ProcessState {
  /// Whether `pid` has ended: it no longer exists, or it is a zombie (an orphan whose new
  /// parent, PID 1 in a container, may never reap it; it runs nothing and holds nothing).
  public static func isGone(_ pid: Int32) -> Bool {
    if kill(pid, 0) != 0 { return errno == ESRCH }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return true }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state == "Z" || state == "X"
  }

  /// Waits up to `seconds` for `pid` to end (see ``isGone(_:)``).
  public static func waitUntilGone(_ pid: Int32, seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if isGone(pid) { return true }
      usleep(10_000)
    }
    return isGone(pid)
  }

  /// Waits up to `seconds` for a file to hold a process id, and returns it.
  public static func readPID(_ path: String, seconds: Double = 10) -> Int32? {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if let text = try? String(contentsOfFile: path, encoding: .utf8),
        let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
      {
        return pid
      }
      usleep(10_000)
    }
    return nil
  }
}
