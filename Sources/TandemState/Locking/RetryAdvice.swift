/// When a caller refused by a conflict should come back.
///
/// The estimate is not a constant: it is what the current holder probably still needs
/// (the usual hold of this lock minus what it has held so far), spread with random jitter
/// so that many refused agents do not all return at the same moment.
enum RetryAdvice {
  /// Milliseconds to wait after a lock timeout.
  ///
  /// - Parameters:
  ///   - heldMilliseconds: how long the current holder has held the lock, if known.
  ///   - meanHoldMicroseconds: how long holds of this lock usually take, if known.
  static func afterLockTimeout(heldMilliseconds: Int64?, meanHoldMicroseconds: Int64?) -> Int {
    let typical = Double(max(meanHoldMicroseconds ?? 0, 1_000)) / 1000
    let held = Double(heldMilliseconds ?? 0)
    // Under its usual time, a holder needs about the rest of it. Past it, the hold is an
    // unusual one (a long `lock run`, say), and one that has lasted t tends to last about
    // as long again, so the estimate grows with it instead of inviting a retry storm.
    let remaining = held < typical ? typical - held : max(typical, held / 2)
    let base = min(max(remaining, 1), 30_000)
    return jittered(base)
  }

  /// `base` spread uniformly over 50% to 150%, at least 1.
  static func jittered(_ base: Double) -> Int {
    max(1, Int((base * Double.random(in: 0.5...1.5)).rounded()))
  }
}
