/// How long a writer waits for a lock before it gives up with a conflict.
///
/// Parsed from `0`, `250ms`, `5s`, `2m`; a bare integer is milliseconds. Zero means: try
/// once and do not wait.
public struct LockTimeout: Hashable, Sendable, CustomStringConvertible {
  /// The wait in milliseconds.
  public let milliseconds: Int64

  /// The default wait: five seconds.
  public static let `default` = LockTimeout(milliseconds: 5_000)
  /// The longest accepted wait: one hour.
  public static let maximum = LockTimeout(milliseconds: 3_600_000)

  /// A wait of `milliseconds`, clamped to `0...maximum`.
  public init(milliseconds: Int64) {
    self.milliseconds = min(max(0, milliseconds), 3_600_000)
  }

  /// A wait of `duration`, rounded up to whole milliseconds and clamped to `0...maximum`.
  public init(_ duration: Duration) {
    self.init(milliseconds: duration.roundedUpMilliseconds)
  }

  /// The wait as a `Duration`.
  public var duration: Duration { .milliseconds(milliseconds) }

  /// A wait of `seconds` seconds, e.g. `store.update(timeout: .seconds(5)) { ... }`.
  public static func seconds(_ seconds: Int64) -> LockTimeout {
    LockTimeout(milliseconds: seconds * 1000)
  }

  /// Parses a duration such as `250ms`, `5s`, `1.5s` or `2m`; `option` names where it came
  /// from in the error (`--lock-timeout`, `the environment variable TANDEM_LOCK_TIMEOUT`).
  public init(parsing text: String, option: String? = nil) throws(StateError) {
    self.init(milliseconds: try Self.milliseconds(parsing: text, what: "lock timeout", option: option))
  }

  /// Parses a duration (`0`, `250ms`, `5s`, `1.5s`, `2m`; a bare integer is milliseconds) of
  /// at most an hour, naming `what` and `option` in the error.
  public static func milliseconds(parsing text: String, what: String, option: String?) throws(StateError)
    -> Int64
  {
    let trimmed = text.trimmingSpaces()
    let units: [(suffix: String, factor: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
    var number = Substring(trimmed)
    var factor = 1.0
    for unit in units where trimmed.hasSuffix(unit.suffix) {
      number = trimmed.dropLast(unit.suffix.count)
      factor = unit.factor
      break
    }
    let isPlainNumber = !number.isEmpty && number.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
    guard isPlainNumber, let value = Double(number), value.isFinite,
      value * factor <= Double(Self.maximum.milliseconds)
    else {
      let place = option.map { " in \($0)" } ?? ""
      var error = StateError(
        .invalidArgument,
        "invalid \(what) \(InstanceID.quoted(text))\(place): use a duration such as 0, 250ms, 5s or 2m (at most 60m)"
      )
      error.fixRequired = option.map { "pass \($0) a duration such as 5s" } ?? "pass a duration such as 5s"
      throw error
    }
    return Int64((value * factor).rounded())
  }

  public var description: String {
    if milliseconds % 1000 == 0 && milliseconds > 0 { return "\(milliseconds / 1000)s" }
    return "\(milliseconds)ms"
  }
}

extension String {
  func trimmingSpaces() -> String {
    var scalars = Substring(self)
    while scalars.first == " " { scalars.removeFirst() }
    while scalars.last == " " { scalars.removeLast() }
    return String(scalars)
  }
}
