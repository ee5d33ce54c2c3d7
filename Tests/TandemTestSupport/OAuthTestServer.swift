import Foundation

/// The test token endpoint (`Tests/Fixtures/oauth_server.py`), started on 127.0.0.1 by the
/// tests themselves; it stops by itself after a few minutes at most.
public final class OAuthTestServer: @unchecked Sendable {
  /// The token endpoint's URL.
  public let tokenURL: String
  private let base: String
  private let process: TandemBinary.Running
  private let directory = TemporaryDirectory("tandem-oauth")

  /// The client id the server accepts.
  public static let clientID = "tandem-test"

  /// Starts a server that accepts the client `clientID`, and waits (bounded) until it listens.
  public init(clientID: String = OAuthTestServer.clientID) throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/oauth_server.py").path
    let portFile = directory.appending("port")
    process = try TandemBinary.startProgram(
      "/usr/bin/env",
      ["python3", script, "--port-file", portFile, "--client-id", clientID, "--lifetime", "240"])
    var port: String?
    for _ in 0..<500 {
      if let text = try? String(contentsOfFile: portFile, encoding: .utf8), !text.isEmpty {
        port = text
        break
      }
      usleep(10_000)
    }
    guard let port else { throw NSError(domain: "OAuthTestServer", code: 1) }
    base = "http://127.0.0.1:\(port)"
    tokenURL = base + "/token"
  }

  deinit { stop() }

  /// Stops the server.
  public func stop() {
    guard !stopped else { return }
    stopped = true
    kill(process.pid, SIGKILL)
    _ = process.wait()
  }

  private var stopped = false

  /// Creates a new grant and returns its first refresh token.
  public func newGrant(expired: Bool = false) throws -> String {
    let reply = try post("/admin/family", #"{"expired": \#(expired)}"#)
    return reply["refresh_token"] as! String
  }

  /// Sets the delay before the server acts on a token request.
  public func setDelay(milliseconds: Int) throws {
    _ = try post("/admin/config", #"{"delay_ms": \#(milliseconds)}"#)
  }

  /// Changes the server's behaviour with a JSON object of `/admin/config` settings:
  /// `answer_override` (members merged into successful answers, after the rotation) and
  /// `echo_secrets` (error descriptions repeat the secrets received).
  public func configure(_ json: String) throws {
    _ = try post("/admin/config", json)
  }

  /// The counters: requests, refreshes, reuse_detected, rejected.
  public func stats() throws -> [String: Int] {
    let result = try TandemBinary.startProgram("/usr/bin/curl", ["-s", base + "/stats"]).wait()
    return (try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Int]) ?? [:]
  }

  private func post(_ path: String, _ body: String) throws -> [String: Any] {
    let result = try TandemBinary.startProgram(
      "/usr/bin/curl", ["-s", "-X", "POST", "--data", body, base + path]
    ).wait()
    return (try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]) ?? [:]
  }
}
