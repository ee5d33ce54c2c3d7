import TandemState

/// One run of a tool, as the envelope's `meta` reports it: when it started, a request id
/// no other run shares, and the tool's version.
package struct Invocation: Sendable {
  /// When the run started, on the monotonic clock, in milliseconds.
  package var start: Int64
  /// `meta.request_id`: 128 random bits in the UUID version 4 text form, so that logs and
  /// audit entries of concurrent agents can be told apart without coordination.
  package var requestID: String
  /// `meta.version`: the tool's version (`CommandConfiguration.version`), when it has one.
  package var version: String?

  /// A new run, started at `start`.
  package init(start: Int64 = SystemClock.monotonicMilliseconds(), version: String?) {
    self.start = start
    self.requestID = Self.randomRequestID()
    self.version = version?.isEmpty == false ? version : nil
  }

  /// Milliseconds since the start.
  package var elapsedMilliseconds: Int64 { max(0, SystemClock.monotonicMilliseconds() - start) }

  /// A random UUID (version 4, variant 1), lower-case, from the system's random source.
  static func randomRequestID() -> String {
    var generator = SystemRandomNumberGenerator()
    var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
    bytes[6] = bytes[6] & 0x0F | 0x40
    bytes[8] = bytes[8] & 0x3F | 0x80
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(36)
    for (index, byte) in bytes.enumerated() {
      if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
