extension Duration {
  /// The duration in whole milliseconds, rounded toward zero and saturating at the bounds
  /// of `Int64`: what JSON fields such as `waited_ms` carry.
  package var wholeMilliseconds: Int64 {
    let (seconds, attoseconds) = components
    let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    guard !overflow else { return seconds < 0 ? .min : .max }
    let (sum, sumOverflow) = milliseconds.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
    guard !sumOverflow else { return seconds < 0 ? .min : .max }
    return sum
  }

  /// The duration in milliseconds, rounded up: a wait of 0.2 ms must not become a wait of
  /// none, which would spin.
  package var roundedUpMilliseconds: Int64 {
    let whole = wholeMilliseconds
    let rest = components.attoseconds % 1_000_000_000_000_000
    return rest > 0 && whole < .max ? whole + 1 : whole
  }
}
