#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Time readings without Foundation, which keeps the tool's start-up small.
public enum SystemClock {
  /// Nanoseconds on the monotonic clock: for measuring waits and holds.
  public static func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
  }

  /// Milliseconds on the monotonic clock.
  public static func monotonicMilliseconds() -> Int64 {
    Int64(monotonicNanoseconds() / 1_000_000)
  }

  /// Milliseconds since the Unix epoch on the wall clock: for records other processes read.
  public static func wallMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  /// An RFC 3339 timestamp in UTC with millisecond precision, e.g. `2026-11-29T14:21:45.123Z`.
  public static func iso8601(wallMilliseconds ms: Int64) -> String {
    var seconds = time_t(ms / 1000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
      + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
      + "\(pad(Int32(ms % 1000), 3))Z"
  }
}
