internal import SystemPlatform

/// Time readings without Foundation, which keeps the tool's start-up small.
///
/// The clock concern of the system-call funnel (SystemCall.swift). Its readings are instants
/// (on the monotonic clock, or since the epoch), kept as integers because lock records and
/// JSON carry them so; a time span is a `Duration`.
package enum SystemClock {
  /// Nanoseconds on the monotonic clock: for measuring waits and holds.
  package static func monotonicNanoseconds() -> UInt64 {
    let ts = read(CLOCK_MONOTONIC)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
  }

  /// Milliseconds on the monotonic clock.
  package static func monotonicMilliseconds() -> Int64 {
    Int64(monotonicNanoseconds() / 1_000_000)
  }

  /// Milliseconds since the Unix epoch on the wall clock: for records other processes read.
  package static func wallMilliseconds() -> Int64 {
    let ts = read(CLOCK_REALTIME)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  /// Sleeps for `duration`, or less if a signal arrives: callers check what they wait for
  /// again afterwards.
  package static func sleep(for duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(max(0, seconds)), tv_nsec: Int(max(0, attoseconds / 1_000_000_000)))
    // -1 only with EINTR (the early return described above) or EINVAL, which the clamping rules out.
    _ = nanosleep(&request, nil)
  }

  /// Reads `clock`. It fails only for a clock the system does not have, and these two are
  /// POSIX: a failure is a bug.
  private static func read(_ clock: clockid_t) -> timespec {
    var ts = timespec()
    let result = clock_gettime(clock, &ts)
    precondition(result == 0, "clock_gettime failed")
    return ts
  }

  /// The instants an RFC 3339 timestamp can name: 0000-01-01T00:00:00.000Z through
  /// 9999-12-31T23:59:59.999Z, in milliseconds since the epoch.
  static let timestampRange: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

  /// `milliseconds` moved into ``timestampRange``: what a decoder makes of an absurd instant
  /// in a file, so that arithmetic with the clock cannot overflow.
  static func clampedToTimestamps(_ milliseconds: Int64) -> Int64 {
    min(max(milliseconds, timestampRange.lowerBound), timestampRange.upperBound)
  }

  /// An RFC 3339 timestamp in UTC with millisecond precision, e.g. `2026-11-29T14:21:45.123Z`.
  /// An instant outside the years 0000 to 9999 is written as the nearest one inside them.
  package static func iso8601(wallMilliseconds ms: Int64) -> String {
    let ms = clampedToTimestamps(ms)
    // Floor division: before 1970 the fraction still counts forward from a whole second.
    var seconds = time_t(ms / 1000)
    var fraction = ms % 1000
    if fraction < 0 {
      seconds -= 1
      fraction += 1000
    }
    var parts = tm()
    // Within the years 0000 to 9999 (clamped above), which gmtime_r always converts.
    let converted = gmtime_r(&seconds, &parts)
    precondition(converted != nil, "gmtime_r failed")
    func pad(_ value: Int32, _ width: Int) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
      + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
      + "\(pad(Int32(fraction), 3))Z"
  }

  /// Parses an RFC 3339 timestamp (`2026-11-29T14:21:45Z`, with optional fraction and
  /// `Z` or `±HH:MM`) into milliseconds since the epoch.
  package static func parseRFC3339(_ text: String) -> Int64? {
    let bytes = Array(text.utf8)
    func number(_ start: Int, _ count: Int) -> Int64? {
      guard start + count <= bytes.count else { return nil }
      var value: Int64 = 0
      for byte in bytes[start..<(start + count)] {
        guard (48...57).contains(byte) else { return nil }
        value = value * 10 + Int64(byte - 48)
      }
      return value
    }
    guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
      bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
      bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
      let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
      let minute = number(14, 2), let second = number(17, 2), (1...12).contains(month), (1...31).contains(day)
    else { return nil }
    var index = 19
    var milliseconds: Int64 = 0
    if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
      index += 1
      var scale: Int64 = 100
      while index < bytes.count, (48...57).contains(bytes[index]) {
        milliseconds += Int64(bytes[index] - 48) * scale
        scale /= 10
        index += 1
      }
    }
    var offsetMinutes: Int64 = 0
    guard index < bytes.count else { return nil }
    if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
      index += 1
    } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
      guard let hours = number(index + 1, 2), bytes.count > index + 3, bytes[index + 3] == UInt8(ascii: ":"),
        let minutes = number(index + 4, 2)
      else { return nil }
      offsetMinutes = (hours * 60 + minutes) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
      index += 6
    } else {
      return nil
    }
    guard index == bytes.count else { return nil }
    // Days from the civil date (Howard Hinnant's algorithm).
    let shiftedYear = month <= 2 ? year - 1 : year
    let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
    let yearOfEra = shiftedYear - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    let days = era * 146_097 + dayOfEra - 719_468
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
    let result = seconds * 1000 + milliseconds
    // An offset can carry a year-0000 or year-9999 stamp out of the years a stamp can name.
    return timestampRange.contains(result) ? result : nil
  }
}
