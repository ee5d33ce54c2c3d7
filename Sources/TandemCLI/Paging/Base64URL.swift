/// URL-safe base64 without padding (RFC 4648, section 5): a cursor passes through shells,
/// URLs and JSON unquoted.
enum Base64URL {
  private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

  static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
      let remaining = bytes.count - index
      let chunk =
        UInt32(bytes[index]) << 16 | (remaining > 1 ? UInt32(bytes[index + 1]) << 8 : 0)
        | (remaining > 2 ? UInt32(bytes[index + 2]) : 0)
      for sextet in 0..<min(4, remaining + 1) {
        out.append(alphabet[Int((chunk >> (18 - 6 * UInt32(sextet))) & 0x3F)])
      }
      index += 3
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The bytes of `text`, or `nil` for anything but canonical URL-safe base64 without
  /// padding (so that one cursor has exactly one spelling).
  static func decode(_ text: String) -> [UInt8]? {
    var sextets: [UInt32] = []
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): sextets.append(UInt32(byte - UInt8(ascii: "A")))
      case UInt8(ascii: "a")...UInt8(ascii: "z"): sextets.append(UInt32(byte - UInt8(ascii: "a")) + 26)
      case UInt8(ascii: "0")...UInt8(ascii: "9"): sextets.append(UInt32(byte - UInt8(ascii: "0")) + 52)
      case UInt8(ascii: "-"): sextets.append(62)
      case UInt8(ascii: "_"): sextets.append(63)
      default: return nil
      }
    }
    guard sextets.count % 4 != 1 else { return nil }
    var out: [UInt8] = []
    var index = 0
    while index < sextets.count {
      let group = sextets[index..<min(index + 4, sextets.count)]
      var chunk: UInt32 = 0
      for (offset, sextet) in group.enumerated() { chunk |= sextet << (18 - 6 * UInt32(offset)) }
      let produced = group.count - 1
      for byte in 0..<produced { out.append(UInt8((chunk >> (16 - 8 * UInt32(byte))) & 0xFF)) }
      // Bits beyond the last byte must be zero in the canonical spelling.
      if produced < 3 && chunk & (0xFF_FFFF >> (8 * UInt32(produced))) != 0 { return nil }
      index += 4
    }
    return out
  }
}
