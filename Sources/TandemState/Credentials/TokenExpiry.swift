/// When an access token expires, from the `expires_in` or `expires_at` of an answer.
///
/// Every value is range-checked before any arithmetic, so that no answer can overflow: a
/// lifetime is 1 s to ``CredentialLimits/maximumLifetimeSeconds``, an instant lies in the
/// future and at most that far ahead. A value outside is refused with a message that names
/// the field; nothing is assumed in its place.
enum TokenExpiry {
  /// The expiry an answer states, in milliseconds since the epoch, or why it states none
  /// that can be used.
  static func from(_ answer: JSONValue, now: Int64) -> Result<Int64, ExpiryProblem> {
    if let lifetime = answer["expires_in"], lifetime != .null {
      return fromLifetime(lifetime, now: now)
    }
    if let instant = answer["expires_at"], instant != .null {
      return fromInstant(instant, now: now)
    }
    return .failure(
      ExpiryProblem(
        "the answer has neither expires_in (seconds) nor expires_at (epoch seconds or RFC 3339): "
          + "the lifetime of a token is never guessed"))
  }

  /// Why an expiry was refused; names the field.
  struct ExpiryProblem: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
  }

  static func fromLifetime(_ value: JSONValue, now: Int64) -> Result<Int64, ExpiryProblem> {
    let limit = CredentialLimits.maximumLifetimeSeconds
    guard let seconds = wholeNumber(value), seconds >= 1, seconds <= limit else {
      return .failure(
        ExpiryProblem(
          "expires_in is \(shown(value)): it must be a whole number of seconds from 1 to \(limit) (10 years)")
      )
    }
    // seconds ≤ 315,360,000, so the product is far inside Int64; the sum is checked all the same.
    let (sum, overflow) = now.addingReportingOverflow(seconds * 1000)
    guard !overflow, sum <= CredentialLimits.latestExpiryMilliseconds else {
      return .failure(ExpiryProblem("expires_in is \(seconds) s, which ends after the year 9999"))
    }
    return .success(sum)
  }

  static func fromInstant(_ value: JSONValue, now: Int64) -> Result<Int64, ExpiryProblem> {
    let latest = CredentialLimits.latestExpiryMilliseconds
    var milliseconds: Int64?
    if let seconds = wholeNumber(value) {
      // Range first: seconds × 1000 of an arbitrary Int64 would overflow.
      if seconds >= 0 && seconds <= latest / 1000 { milliseconds = seconds * 1000 }
    } else if let text = value.stringValue, RFC3339.isWellFormed(text) {
      milliseconds = SystemClock.parseRFC3339(text)
    }
    guard let milliseconds, milliseconds >= 0, milliseconds <= latest else {
      return .failure(
        ExpiryProblem(
          "expires_at is \(shown(value)): it must be epoch seconds or an RFC 3339 timestamp "
            + "(e.g. 2030-01-01T00:00:00Z) no later than the year 9999"))
    }
    guard milliseconds > now else {
      return .failure(
        ExpiryProblem(
          "expires_at is \(shown(value)), which is in the past (now is "
            + "\(SystemClock.iso8601(wallMilliseconds: now))): the token has already expired"))
    }
    // A clock before 1970 could make the difference overflow: checked.
    let (ahead, overflow) = milliseconds.subtractingReportingOverflow(now)
    guard !overflow, ahead <= CredentialLimits.maximumLifetimeSeconds * 1000 else {
      return .failure(ExpiryProblem("expires_at is \(shown(value)), more than 10 years ahead"))
    }
    return .success(milliseconds)
  }

  /// A JSON integer, a whole double, or a string of ASCII digits (some providers quote
  /// numbers); nil for anything else, including numbers beyond Int64.
  static func wholeNumber(_ value: JSONValue) -> Int64? {
    if let number = value.integerValue { return number }
    guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= 18,
      text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
    else { return nil }
    return Int64(text)
  }

  /// A value as it appeared, short enough for a message.
  static func shown(_ value: JSONValue) -> String {
    let text = JSONWriter.compact(value)
    return text.utf8.count <= 40 ? text : String(text.prefix(37)) + "..."
  }
}

/// Strict RFC 3339 (`2026-11-29T14:21:45Z`, `2026-11-29T16:21:45.250+02:00`): every field in
/// its range, the day within its month. ``SystemClock/parseRFC3339(_:)`` computes the
/// instant once this has accepted the text.
enum RFC3339 {
  static func isWellFormed(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    func number(_ start: Int, _ count: Int) -> Int? {
      guard start >= 0, start + count <= bytes.count else { return nil }
      var value = 0
      for byte in bytes[start..<(start + count)] {
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
      }
      return value
    }
    guard bytes.count >= 20, bytes.count <= 64, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
      "Tt ".utf8.contains(bytes[10]), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
      let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
      let minute = number(14, 2), let second = number(17, 2),
      (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
      hour <= 23, minute <= 59, second <= 60
    else { return false }
    var index = 19
    if bytes[index] == UInt8(ascii: ".") {
      index += 1
      let digits = index
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
      guard index > digits else { return false }
    }
    guard index < bytes.count else { return false }
    if "Zz".utf8.contains(bytes[index]) {
      return index + 1 == bytes.count
    }
    guard "+-".utf8.contains(bytes[index]), index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
      let hours = number(index + 1, 2), let minutes = number(index + 4, 2)
    else { return false }
    return hours <= 23 && minutes <= 59
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }
}
