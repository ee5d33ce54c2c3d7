/// A key's provenance as a ``ConfigDocument`` holds it: the commit's time in milliseconds and
/// the writer's instance id, read from and written to the stored text
/// (`2026-11-29T14:21:45.123Z agent-1`) directly, without a `String` for the time.
///
/// A document holds up to 10,000 of them and is read by every call: building a 24-byte heap
/// string per key, validating and freeing it, tripled the cost of reading a 10,000-key
/// document (docs/benchmarks.md, "Provenance").
struct WriteStamp: Sendable, Equatable {
  /// Milliseconds since the epoch; ``none`` and ``pending`` use the two ends of the range.
  var milliseconds: Int64
  /// The writer's instance id (valid), or `nil` for a writer without one.
  var instanceID: String?

  /// No provenance: a key written before it was recorded, or by hand.
  static let none = WriteStamp(milliseconds: .min, instanceID: nil)
  /// Set in the current transaction; the commit gives it its time and writer.
  static let pending = WriteStamp(milliseconds: .max, instanceID: nil)

  /// What a commit at `milliseconds` records for a writer whose intent names `instanceID`:
  /// an id that is not a valid instance id (free text from a library caller) as none, a time
  /// outside the years 0000 to 9999 as the nearest inside them.
  init(recording instanceID: String?, at milliseconds: Int64) {
    self.milliseconds = SystemClock.clampedToTimestamps(milliseconds)
    self.instanceID = instanceID.flatMap { InstanceID.isValid($0) ? $0 : nil }
  }

  /// Whether this is a recorded provenance (neither ``none`` nor ``pending``).
  var isRecorded: Bool { milliseconds != .min && milliseconds != .max }

  /// Whether this is saved as the same text as `other`: the same provenance, or none (a key
  /// without one, or not committed yet, both saved as `null`).
  func isStored(like other: WriteStamp) -> Bool {
    self == other || (!isRecorded && !other.isRecorded)
  }

  /// A provenance; `instanceID` must be a valid instance id or `nil`.
  init(milliseconds: Int64, instanceID: String?) {
    self.milliseconds = milliseconds
    self.instanceID = instanceID
  }

  /// The public form, with the time formatted.
  var provenance: ConfigProvenance? {
    guard isRecorded else { return nil }
    // Formatted straight into the string's storage: `config list` formats one per key.
    let time = String(unsafeUninitializedCapacity: Self.timeLength) { buffer in
      Self.formatTime(milliseconds, into: buffer)
      return Self.timeLength
    }
    return ConfigProvenance(instanceID: instanceID, writtenAt: time, milliseconds: milliseconds)
  }

  // MARK: The stored text

  /// The length of a time as tandem writes it: `2026-11-29T14:21:45.123Z`.
  static let timeLength = 24

  /// Reads the stored text from its bytes (a JSON string's contents, plain ASCII); `nil` for
  /// text that is not provenance. The time as tandem writes it is read in place; any other
  /// RFC 3339 form (edited by hand) through ``SystemClock/parseRFC3339(_:)``.
  init?(stored text: UnsafeBufferPointer<UInt8>) {
    var timeEnd = 0
    while timeEnd < text.count && text[timeEnd] != UInt8(ascii: " ") { timeEnd += 1 }
    let time = UnsafeBufferPointer(rebasing: text[0..<timeEnd])
    guard
      let milliseconds = Self.parseCanonicalTime(time)
        ?? SystemClock.parseRFC3339(String(decoding: time, as: UTF8.self))
    else { return nil }
    var instanceID: String?
    if timeEnd < text.count {
      let id = UnsafeBufferPointer(rebasing: text[(timeEnd + 1)...])
      guard Self.isInstanceID(id) else { return nil }
      instanceID = String(decoding: id, as: UTF8.self)
    }
    self.init(milliseconds: milliseconds, instanceID: instanceID)
  }

  /// Reads the stored text; `nil` for text that is not provenance.
  init?(stored text: String) {
    var text = text
    guard let stamp = text.withUTF8({ WriteStamp(stored: $0) }) else { return nil }
    self = stamp
  }

  /// Whether `bytes` are a valid instance id (``InstanceID/isValid(_:)``), without a string.
  static func isInstanceID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard (1...64).contains(bytes.count) else { return false }
    for position in 0..<bytes.count {
      let byte = bytes[position]
      // A digit, or a letter of either case (`| 0x20` maps A-Z onto a-z and nothing else).
      if byte &- UInt8(ascii: "0") < 10 || (byte | 0x20) &- UInt8(ascii: "a") < 26 { continue }
      guard position > 0, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
      else { return false }
    }
    return true
  }

  /// Milliseconds of a time in exactly the form tandem writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`),
  /// as ``SystemClock/parseRFC3339(_:)`` reads it; `nil` for any other form.
  static func parseCanonicalTime(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard text.count == timeLength, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"),
      text[10] == UInt8(ascii: "T"), text[13] == UInt8(ascii: ":"), text[16] == UInt8(ascii: ":"),
      text[19] == UInt8(ascii: "."), text[23] == UInt8(ascii: "Z")
    else { return nil }
    var valid = true
    func number(_ start: Int, _ count: Int) -> Int64 {
      var value: Int64 = 0
      for position in start..<(start + count) {
        let digit = text[position] &- UInt8(ascii: "0")
        if digit > 9 { valid = false }
        value = value * 10 + Int64(digit)
      }
      return value
    }
    let year = number(0, 4)
    let month = number(5, 2)
    let day = number(8, 2)
    let hour = number(11, 2)
    let minute = number(14, 2)
    let second = number(17, 2)
    let fraction = number(20, 3)
    guard valid, (1...12).contains(month), (1...31).contains(day) else { return nil }
    // Days from the civil date (Howard Hinnant's algorithm), as SystemClock does.
    let shiftedYear = month <= 2 ? year - 1 : year
    let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
    let yearOfEra = shiftedYear - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    let days = era * 146_097 + dayOfEra - 719_468
    let result = (days * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + fraction
    return SystemClock.timestampRange.contains(result) ? result : nil
  }

  /// ``formatTime(_:into:)`` when `out` holds the time `previous` (``Int64/min`` for none):
  /// only the seconds and milliseconds are written when the minute is the same, as it is for
  /// keys written close together.
  static func formatTime(
    _ milliseconds: Int64, into out: UnsafeMutableBufferPointer<UInt8>, after previous: Int64
  ) {
    let (minute, within) = minuteAndRest(milliseconds)
    guard previous != .min, minute == minuteAndRest(previous).minute,
      SystemClock.timestampRange.contains(milliseconds)
    else {
      formatTime(milliseconds, into: out)
      return
    }
    let seconds = within / 1000
    let fraction = within % 1000
    out[17] = UInt8(ascii: "0") + UInt8(seconds / 10)
    out[18] = UInt8(ascii: "0") + UInt8(seconds % 10)
    out[20] = UInt8(ascii: "0") + UInt8(fraction / 100)
    out[21] = UInt8(ascii: "0") + UInt8(fraction / 10 % 10)
    out[22] = UInt8(ascii: "0") + UInt8(fraction % 10)
  }

  /// The minute of `milliseconds` and the milliseconds into it (floor division: before 1970
  /// too the rest counts forward).
  private static func minuteAndRest(_ milliseconds: Int64) -> (minute: Int64, within: Int64) {
    let (quotient, remainder) = milliseconds.quotientAndRemainder(dividingBy: 60_000)
    return remainder < 0 ? (quotient - 1, remainder + 60_000) : (quotient, remainder)
  }

  /// Writes `milliseconds` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (what
  /// ``SystemClock/iso8601(wallMilliseconds:)`` gives) into the first 24 bytes of `out`.
  static func formatTime(_ milliseconds: Int64, into out: UnsafeMutableBufferPointer<UInt8>) {
    let clamped = SystemClock.clampedToTimestamps(milliseconds)
    // Floor division: before 1970 the fraction still counts forward from a whole second.
    var seconds = clamped / 1000
    var fraction = clamped % 1000
    if fraction < 0 {
      seconds -= 1
      fraction += 1000
    }
    var days = seconds / 86_400
    var secondOfDay = seconds % 86_400
    if secondOfDay < 0 {
      days -= 1
      secondOfDay += 86_400
    }
    // The civil date of a day number (Howard Hinnant's algorithm).
    let shifted = days + 719_468
    let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func put(_ value: Int64, at start: Int, digits: Int) {
      var value = value
      for position in stride(from: start + digits - 1, through: start, by: -1) {
        out[position] = UInt8(ascii: "0") + UInt8(value % 10)
        value /= 10
      }
    }
    put(year, at: 0, digits: 4)
    out[4] = UInt8(ascii: "-")
    put(month, at: 5, digits: 2)
    out[7] = UInt8(ascii: "-")
    put(day, at: 8, digits: 2)
    out[10] = UInt8(ascii: "T")
    put(secondOfDay / 3600, at: 11, digits: 2)
    out[13] = UInt8(ascii: ":")
    put(secondOfDay / 60 % 60, at: 14, digits: 2)
    out[16] = UInt8(ascii: ":")
    put(secondOfDay % 60, at: 17, digits: 2)
    out[19] = UInt8(ascii: ".")
    put(fraction, at: 20, digits: 3)
    out[23] = UInt8(ascii: "Z")
  }
}
