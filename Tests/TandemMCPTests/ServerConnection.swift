import Foundation
import MCP
import SystemPackage
import TandemState
import TandemTestSupport

/// A `tandem-mcp` process, and the MCP SDK's own client talking to it over the process's
/// standard input and output (the SDK's stdio transport on the two pipes).
final class ServerConnection: @unchecked Sendable {
  /// The built server.
  static let product = BuiltProduct(name: "tandem-mcp", environmentPrefix: "TANDEM_MCP")

  let client: Client
  /// The server's process id.
  var pid: Int32 { process.pid }
  /// What the server answered to `initialize`.
  let initialization: Initialize.Result
  private let process: SpawnedProcess
  private let errorOutput = ErrorOutput()

  /// Starts a server whose environment is this process's, without any tool's variables (but
  /// `TANDEM_BIN`), plus `environment`; connects and initializes.
  init(environment: [String: String]) async throws {
    var env = ProcessEnvironment.inherited()
    env.remove { name in
      BuiltProduct.toolPrefixes.contains { name.hasPrefix($0 + "_") && name != $0 + "_BIN" }
    }
    for (name, value) in environment { env.set(name, value) }
    var request = ProcessSpawner.Request([Self.product.path], environment: env)
    request.standardInput = .pipe
    request.newProcessGroup = true
    process = try ProcessSpawner.spawn(request)
    let fd = process.standardError
    let collected = errorOutput
    Thread {
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        collected.append(buffer[0..<count])
      }
      collected.finish()
    }.start()
    client = Client(name: "tandem-mcp-tests", version: "1")
    let transport = StdioTransport(
      input: FileDescriptor(rawValue: process.standardOutput),
      output: FileDescriptor(rawValue: process.standardInput))
    initialization = try await client.connect(transport: transport)
  }

  /// `tools/call`, with the whole result (structured content and `_meta` included).
  func call(_ tool: String, _ arguments: [String: Value] = [:]) async throws -> CallTool.Result {
    let context = try await client.send(CallTool.request(.init(name: tool, arguments: arguments)))
    return try await context.value
  }

  /// Disconnects, which closes the server's standard input; returns how the server ended
  /// and what it wrote to standard error.
  func close() async -> (status: Int32, standardError: String) {
    await client.disconnect()
    // The transport reads no more once disconnected: the pipes can be closed.
    process.closeStandardInput()
    // A server that outlives its input is a failure of its own: killed, and reported as -1.
    var status: Int32 = -1
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
      if let ended = process.exitIfEnded() {
        status = ended.shellStatus
        break
      }
      try? await Task.sleep(for: .milliseconds(10))
    }
    if status == -1 { _ = process.killAndReap() }
    let text = errorOutput.wait()
    process.closePipes()
    return (status, text)
  }
}

/// What a server writes to standard error, collected by a thread of its own.
private final class ErrorOutput: @unchecked Sendable {
  private let condition = NSCondition()
  private var bytes: [UInt8] = []
  private var finished = false

  func append(_ chunk: ArraySlice<UInt8>) {
    condition.lock()
    bytes += chunk
    condition.unlock()
  }

  func finish() {
    condition.lock()
    finished = true
    condition.broadcast()
    condition.unlock()
  }

  func wait() -> String {
    condition.lock()
    while !finished { condition.wait() }
    defer { condition.unlock() }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// The process ids of `parent`'s children, from `/proc`.
func childProcesses(of parent: Int32) -> [Int32] {
  let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  return entries.compactMap { entry -> Int32? in
    guard let pid = Int32(entry),
      let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
      let end = stat.lastIndex(of: ")")
    else { return nil }
    // After "pid (name)": the state, then the parent's id.
    let fields = stat[stat.index(after: end)...].split(separator: " ")
    return fields.count > 1 && Int32(fields[1]) == parent ? pid : nil
  }
}

extension CallTool.Result {
  /// The first text content parsed as JSON (`data`, or the error object).
  var json: [String: Any]? {
    guard case .text(let text, _, _)? = content.first else { return nil }
    return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
  }

  /// `code` of an error result.
  var code: String? { isError == true ? json?["code"] as? String : nil }
}
