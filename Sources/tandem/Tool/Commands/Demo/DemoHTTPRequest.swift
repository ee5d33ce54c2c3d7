#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// One HTTP/1.1 request as the demo's token endpoint reads it from a connection: what curl
/// sends for a token refresh, and nothing more general.
struct DemoHTTPRequest {
  /// `POST`, `GET`, ...
  var method: String
  /// The request target, e.g. `/token`.
  var path: String
  /// The body (for a token request, the form).
  var body: [UInt8]

  /// Requests larger than this are not read.
  static let limit = 65_536

  /// Reads one request from `connection`; nil when the client sent something else, too much,
  /// or went away (the connection's receive timeout bounds each read).
  static func read(from connection: Int32) -> DemoHTTPRequest? {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    var head: (method: String, path: String, length: Int, bodyStart: Int)?
    while head == nil || bytes.count < head!.bodyStart + head!.length {
      guard bytes.count <= limit else { return nil }
      let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { return nil }
      bytes += buffer[0..<count]
      if head == nil, let end = headerEnd(bytes) {
        guard let parsed = parseHead(bytes[..<end]) else { return nil }
        head = (parsed.method, parsed.path, parsed.length, end + 4)
        if parsed.expectsContinue {
          _ = send(connection, "HTTP/1.1 100 Continue\r\n\r\n", 25, Int32(MSG_NOSIGNAL))
        }
      }
    }
    guard let head, head.length <= limit else { return nil }
    return DemoHTTPRequest(
      method: head.method, path: head.path,
      body: Array(bytes[head.bodyStart..<(head.bodyStart + head.length)]))
  }

  /// The form of an `application/x-www-form-urlencoded` body.
  var form: [String: String] {
    var result: [String: String] = [:]
    for pair in body.split(separator: UInt8(ascii: "&")) {
      let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
      result[Self.decode(parts[0])] = parts.count > 1 ? Self.decode(parts[1]) : ""
    }
    return result
  }

  private static func headerEnd(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for index in 0...(bytes.count - 4)
    where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
      return index
    }
    return nil
  }

  private static func parseHead(_ head: ArraySlice<UInt8>) -> (
    method: String, path: String, length: Int, expectsContinue: Bool
  )? {
    let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
    guard let requestLine = lines.first else { return nil }
    let words = requestLine.split(separator: " ")
    guard words.count == 3 else { return nil }
    var length = 0
    var expectsContinue = false
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let name = line[..<colon].lowercased()
      let value = line[line.index(after: colon)...].trimmingPrefix(" ")
      if name == "content-length" {
        guard let number = Int(value), number >= 0 else { return nil }
        length = number
      } else if name == "expect" {
        expectsContinue = value.lowercased() == "100-continue"
      }
    }
    return (String(words[0]), String(words[1]), length, expectsContinue)
  }

  /// Percent-decoding, with `+` as a space.
  private static func decode(_ text: ArraySlice<UInt8>) -> String {
    var out: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
      let byte = text[index]
      if byte == UInt8(ascii: "%"), index + 2 < text.endIndex,
        let value = UInt8(String(decoding: text[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
      {
        out.append(value)
        index += 3
        continue
      }
      out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
      index += 1
    }
    return String(decoding: out, as: UTF8.self)
  }
}
