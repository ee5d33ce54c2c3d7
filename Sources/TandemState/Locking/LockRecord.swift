#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The small JSON record kept inside a lock file: the current holder, if any, and how long
/// holds of this lock usually take.
///
/// The record is advisory information for waiters and `lock status`; the lock itself is the
/// kernel's. It is rewritten in place with one `pwrite` of a fixed size, so the lock file is
/// never truncated, renamed or deleted, and a reader sees a whole record or an unparsable
/// one (then: holder unknown).
struct LockRecord: Sendable, Equatable {
  var holder: LockHolder?
  /// Number of completed holds included in ``meanHoldMicroseconds``.
  var holds: Int64 = 0
  /// An exponentially weighted mean of hold durations, in microseconds.
  var meanHoldMicroseconds: Int64 = 0

  /// The fixed size of the record on disk; longer commands are cut to fit.
  static let size = 512

  /// Reads the record from an open lock file, reading again briefly if it catches a holder
  /// halfway through rewriting it; `nil` if it stays empty or unreadable.
  static func read(from fd: Int32, expectingHolder: Bool = false) -> LockRecord? {
    for attempt in 0..<5 {
      if let record = readOnce(from: fd), !expectingHolder || record.holder != nil { return record }
      if attempt < 4 { usleep(500) }
    }
    return readOnce(from: fd)
  }

  private static func readOnce(from fd: Int32) -> LockRecord? {
    var buffer = [UInt8](repeating: 0, count: size)
    let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, size, 0) }
    guard count > 0 else { return nil }
    var end = count
    while end > 0 && (buffer[end - 1] == 0x20 || buffer[end - 1] == 0x0A || buffer[end - 1] == 0) { end -= 1 }
    guard end > 0, let json = try? JSONParser.parse(Array(buffer[0..<end])) else { return nil }
    var record = LockRecord()
    if let holder = json["holder"], holder != .null { record.holder = LockHolder(json: holder) }
    let holds = json["holds"]?.integerValue ?? 0
    let mean = json["mean_hold_us"]?.integerValue ?? 0
    // Numbers no holder writes (a corrupt record) count as no history: the running mean
    // multiplies them, and that must not overflow.
    if (0..<Int64.max).contains(holds) && (0...Int64.max / 16).contains(mean) {
      record.holds = holds
      record.meanHoldMicroseconds = mean
    }
    return record
  }

  /// Writes the record over the start of the lock file, padded to ``size``.
  func write(to fd: Int32) {
    var shown = self
    if var holder = shown.holder, holder.command.utf8.count > 200 {
      holder.command = String(decoding: holder.command.utf8.prefix(197), as: UTF8.self) + "..."
      shown.holder = holder
    }
    var bytes = Array(JSONWriter.compact(shown.json).utf8)
    if bytes.count >= Self.size { bytes = Array(#"{"holder":null}"#.utf8) }
    bytes.append(contentsOf: repeatElement(0x20, count: Self.size - 1 - bytes.count))
    bytes.append(0x0A)
    _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
  }

  /// Folds one completed hold into the running mean (weight 1/8 for the newest).
  mutating func recordHold(microseconds: Int64) {
    holds += 1
    meanHoldMicroseconds = holds == 1 ? microseconds : (meanHoldMicroseconds * 7 + microseconds) / 8
  }

  private var json: JSONValue {
    .object([
      ("holder", holder?.json ?? .null),
      ("holds", .integer(holds)),
      ("mean_hold_us", .integer(meanHoldMicroseconds)),
    ])
  }
}
