/// The opaque token a list command hands out for its next page (`meta.cursor`) and takes
/// back with `--cursor`.
///
/// It names a position in the list's order, the last item of the page given, never an
/// offset: the next page starts after that item, so that items added or removed meanwhile
/// never make a page repeat or skip an item that exists throughout. It also names the list
/// (e.g. `config list`), so that a cursor passed to another command is refused rather than
/// read as a position of a different list. The text is URL-safe base64 of
/// `1:LIST:POSITION`; callers treat it as opaque.
public enum PageCursor {
  /// The longest cursor accepted: a position of up to 1 KiB and its list's name.
  static let maximumLength = 1_500

  /// The cursor for the page that follows `position` in `list`.
  public static func make(after position: String, list: String) -> String {
    Base64URL.encode(Array(("1:" + list + ":" + position).utf8))
  }

  /// The position `cursor` continues after, or `nil` when it is not a cursor of `list`.
  public static func position(of cursor: String, list: String) -> String? {
    guard cursor.utf8.count <= maximumLength, let bytes = Base64URL.decode(cursor),
      let text = String(validating: bytes, as: UTF8.self)
    else { return nil }
    let prefix = "1:" + list + ":"
    guard text.hasPrefix(prefix) else { return nil }
    let position = String(text.dropFirst(prefix.count))
    return position.isEmpty ? nil : position
  }
}

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
