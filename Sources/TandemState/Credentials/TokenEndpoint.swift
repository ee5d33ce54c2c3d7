/// What a token endpoint URL may be.
///
/// The refresh sends the refresh token and the client secret, so the URL must be `https://`;
/// plain `http://` is allowed only to a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`),
/// where nothing crosses a network. User information (`https://user:pass@host/`) is refused:
/// the URL is an argument of `curl`, which every user can read with `ps`.
enum TokenEndpoint {
  /// Why `url` cannot be a token endpoint, or nil if it can.
  static func problem(_ url: String) -> String? {
    let lowered = url.lowercased()
    let secure: Bool
    if lowered.hasPrefix("https://") {
      secure = true
    } else if lowered.hasPrefix("http://") {
      secure = false
    } else {
      return "it must be an https:// URL (or http:// to a loopback host)"
    }
    if url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
      return "it holds spaces or control characters"
    }
    if url.utf8.count > 2048 { return "it is longer than 2048 bytes" }
    let rest = lowered.dropFirst(secure ? 8 : 7)
    let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
    if authority.contains("@") {
      return "it holds user information (user:password@), which would show in the process list"
    }
    let host: Substring
    let port: Substring?
    if authority.hasPrefix("[") {
      guard let close = authority.firstIndex(of: "]") else { return "its IPv6 host has no closing ]" }
      host = authority[authority.index(after: authority.startIndex)..<close]
      let after = authority[authority.index(after: close)...]
      guard after.isEmpty || after.hasPrefix(":") else { return "it has text after its IPv6 host" }
      port = after.isEmpty ? nil : after.dropFirst()
    } else {
      let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
      host = parts.first ?? ""
      port = parts.count > 1 ? parts[1] : nil
    }
    if host.isEmpty { return "it has no host" }
    if let port {
      guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }),
        let number = Int(port), (1...65_535).contains(number)
      else { return "its port is not a number from 1 to 65535" }
    }
    if !secure && !isLoopback(host) {
      return "plain http:// would send the refresh token and client secret unencrypted to \(host); "
        + "use https:// (http:// is allowed only to localhost, 127.0.0.0/8 or [::1])"
    }
    return nil
  }

  /// Whether `host` (lower case, brackets removed) is this machine's loopback interface.
  static func isLoopback(_ host: Substring) -> Bool {
    if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
    let octets = host.split(separator: ".", omittingEmptySubsequences: false)
    guard octets.count == 4, octets[0] == "127" else { return false }
    return octets.allSatisfy { octet in
      !octet.isEmpty && octet.count <= 3 && octet.allSatisfy { $0.isASCII && $0.isNumber }
        && (Int(octet) ?? 256) <= 255
    }
  }
}
