import Synchronization
import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The token endpoint of the demo's refresh scenario: the OAuth 2.0 `refresh_token` grant
/// (RFC 6749 §6) on 127.0.0.1, an ephemeral port, served by a thread of the demo itself
/// until ``stop()`` and for at most its lifetime.
///
/// It rotates refresh tokens as strict providers do: a refresh answers a new refresh token,
/// and the one it used is refused from then on (`invalid_grant`), so that an agent still
/// holding it is logged out. For each grant it counts the refresh requests and keeps the
/// access tokens it issued. One connection at a time: the demo's agents send a few small
/// requests, and each read is bounded by a receive timeout.
final class DemoTokenEndpoint: Sendable {
  /// The client id it accepts.
  static let clientID = "tandem-demo"
  /// How long an access token it issues is valid, in seconds.
  static let accessTokenLifetime = 3600

  /// What it counted for one grant.
  struct Counts: Sendable {
    /// Refresh requests received with a refresh token of this grant.
    var requests = 0
    /// Requests refused because their refresh token had been used already.
    var refused = 0
    /// The access tokens issued, in order: one per successful refresh.
    var issued: [String] = []
  }

  /// The endpoint could not be started.
  struct StartFailure: Error {
    let reason: String
  }

  private struct Grant {
    var current: String
    var counts = Counts()
  }

  private struct State {
    var grants: [String: Grant] = [:]
    /// The grant of every refresh token ever issued.
    var grantOf: [String: String] = [:]
  }

  /// The token URL.
  let url: String
  private let listener: Int32
  private let deadline: ContinuousClock.Instant
  private let state = Mutex(State())
  private let stopping = Atomic<Bool>(false)
  private let thread = Mutex<pthread_t?>(nil)

  private init(listener: Int32, port: Int, deadline: ContinuousClock.Instant) {
    self.listener = listener
    self.url = "http://127.0.0.1:\(port)/token"
    self.deadline = deadline
  }

  /// Listens on 127.0.0.1 at a port the kernel picks, and serves on a thread of its own
  /// for at most `lifetime`.
  static func start(lifetime: Duration = .seconds(60)) throws(StartFailure) -> DemoTokenEndpoint {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw StartFailure(reason: "socket: " + String(cString: strerror(errno))) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let listening = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
        bind(fd, address, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, address, &length) == 0
      }
    }
    guard listening else {
      let reason = "cannot listen on 127.0.0.1: " + String(cString: strerror(errno))
      close(fd)
      throw StartFailure(reason: reason)
    }
    let endpoint = DemoTokenEndpoint(
      listener: fd, port: Int(UInt16(bigEndian: address.sin_port)), deadline: .now + lifetime)
    let context = Unmanaged.passRetained(endpoint).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(
      &thread, nil,
      { context in
        Unmanaged<DemoTokenEndpoint>.fromOpaque(context!).takeRetainedValue().serve()
        return nil
      }, context)
    guard status == 0 else {
      Unmanaged<DemoTokenEndpoint>.fromOpaque(context).release()
      close(fd)
      throw StartFailure(reason: "cannot start a thread: " + String(cString: strerror(status)))
    }
    endpoint.thread.withLock { $0 = thread }
    return endpoint
  }

  /// Creates a grant (`name` must be new) and returns its first refresh token.
  func newGrant(_ name: String) -> String {
    let token = "rt-\(name)-0-" + Self.randomHex()
    state.withLock { state in
      state.grants[name] = Grant(current: token)
      state.grantOf[token] = name
    }
    return token
  }

  /// What it counted for the grant `name`.
  func counts(_ name: String) -> Counts {
    state.withLock { $0.grants[name]?.counts ?? Counts() }
  }

  /// Stops serving, waits for the thread to end, and closes the socket. Call once.
  func stop() {
    stopping.store(true, ordering: .sequentiallyConsistent)
    if let thread = self.thread.withLock({ $0 }) { pthread_join(thread, nil) }
    close(listener)
  }

  private func serve() {
    while !stopping.load(ordering: .sequentiallyConsistent) && ContinuousClock.now < deadline {
      var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      // Short slices, so that `stop()` is noticed quickly.
      guard poll(&entry, 1, 50) > 0 else { continue }
      let connection = accept(listener, nil, nil)
      guard connection >= 0 else { continue }
      // (accept4 is not in Swift's Glibc module.) An agent started in between may inherit the
      // connection; the answer still ends it, by its Content-Length.
      _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
      var timeout = timeval(tv_sec: 2, tv_usec: 0)
      setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      if let request = DemoHTTPRequest.read(from: connection) {
        let (status, body) = answer(request)
        Self.reply(connection, status: status, body: JSONWriter.compact(body))
      }
      close(connection)
    }
  }

  /// The answer to one request: a rotation, or the error a provider gives.
  private func answer(_ request: DemoHTTPRequest) -> (Int, JSONValue) {
    func error(_ code: String, _ description: String) -> JSONValue {
      .object([("error", .string(code)), ("error_description", .string(description))])
    }
    guard request.method == "POST", request.path == "/token" else {
      return (404, error("not_found", "the token endpoint is POST /token"))
    }
    let form = request.form
    guard form["client_id"] == Self.clientID else { return (401, error("invalid_client", "unknown client")) }
    guard form["grant_type"] == "refresh_token" else {
      return (400, error("unsupported_grant_type", "only the refresh_token grant is served"))
    }
    let presented = form["refresh_token"] ?? ""
    return state.withLock { state -> (Int, JSONValue) in
      guard let name = state.grantOf[presented], var grant = state.grants[name] else {
        return (400, error("invalid_grant", "unknown refresh token"))
      }
      defer { state.grants[name] = grant }
      grant.counts.requests += 1
      guard presented == grant.current else {
        grant.counts.refused += 1
        return (400, error("invalid_grant", "refresh token already used: it was rotated"))
      }
      let rotation = grant.counts.issued.count + 1
      let refreshToken = "rt-\(name)-\(rotation)-" + Self.randomHex()
      let accessToken = "at-\(name)-\(rotation)-" + Self.randomHex()
      grant.current = refreshToken
      grant.counts.issued.append(accessToken)
      state.grantOf[refreshToken] = name
      return (
        200,
        .object([
          ("access_token", .string(accessToken)), ("token_type", .string("Bearer")),
          ("expires_in", .integer(Int64(Self.accessTokenLifetime))), ("refresh_token", .string(refreshToken)),
        ])
      )
    }
  }

  private static func reply(_ connection: Int32, status: Int, body: String) {
    let reason = [200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"][status] ?? "Error"
    let response =
      "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
      + "Cache-Control: no-store\r\nConnection: close\r\n\r\n" + body
    let bytes = Array(response.utf8)
    var sent = 0
    while sent < bytes.count {
      let count = bytes.withUnsafeBytes {
        send(connection, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
      }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { return }
      sent += count
    }
  }

  private static func randomHex() -> String {
    let value = UInt64.random(in: .min ... .max)
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}
