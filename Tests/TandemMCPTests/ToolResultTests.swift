import MCP
import TandemState
import Testing

@testable import TandemMCP

@Suite("tool results: the envelope's data, or its error object as an error result")
struct ToolResultTests {
  private func result(_ envelope: String, status: Int32 = 0) -> CallTool.Result {
    ToolResult.make(standardOutput: Array(envelope.utf8), standardError: [], termination: .exited(status))
  }

  private func json(_ content: Tool.Content?) throws -> JSONValue {
    guard case .text(let text, _, _)? = content else { throw NotText() }
    return try JSONParser.parse(text)
  }

  struct NotText: Error {}

  @Test("success: data as text and as structured content")
  func success() throws {
    let made = result(
      #"{"ok":true,"data":{"key":"a","value":"1","revision":3},"error":null,"warnings":[],"meta":{"duration_ms":2,"request_id":"r1"}}"#
    )
    #expect(made.isError != true)
    #expect(made.content.count == 1)
    #expect(try json(made.content.first) == .object([("key", "a"), ("value", "1"), ("revision", 3)]))
    #expect(made.structuredContent == .object(["key": "a", "value": "1", "revision": 3]))
    #expect(made._meta?["tandem/meta"]?.objectValue?["request_id"] == "r1")
  }

  @Test("warnings and a page's cursor follow as a second text content")
  func warningsAndPaging() throws {
    let made = result(
      #"{"ok":true,"data":{"values":{}},"error":null,"warnings":["wrote the shared document"],"meta":{"duration_ms":1,"truncated":true,"cursor":"c2"}}"#
    )
    #expect(made.content.count == 2)
    #expect(
      try json(made.content.last)
        == .object([
          ("warnings", .array(["wrote the shared document"])), ("truncated", true), ("cursor", "c2"),
        ]))
  }

  @Test("failure: isError, with the envelope's error object as it is")
  func failure() throws {
    let error =
      #"{"code":"CONCURRENT_MODIFICATION","message":"busy","retryable":true,"retry_after_ms":120,"retry_strategy":"exponential_backoff","exit_code":6,"reason":"lock_timeout","holder":null}"#
    let made = result(
      #"{"ok":false,"data":null,"error":"# + error + #","warnings":[],"meta":{"duration_ms":5}}"#, status: 6)
    #expect(made.isError == true)
    #expect(try json(made.content.first) == JSONParser.parse(error))
    let structured = try #require(made.structuredContent?.objectValue)
    #expect(structured["code"] == "CONCURRENT_MODIFICATION" && structured["exit_code"] == 6)
    #expect(structured["retryable"] == true && structured["retry_after_ms"] == 120)
    #expect(structured["reason"] == "lock_timeout" && structured["holder"] == .null)
  }

  @Test("no envelope (a crash, another program): INTERNAL_ERROR with what it printed on stderr")
  func noEnvelope() throws {
    let made = ToolResult.make(
      standardOutput: Array("not json".utf8), standardError: Array("segfault\n".utf8),
      termination: .signaled(11))
    #expect(made.isError == true)
    let error = try json(made.content.first)
    #expect(error["code"] == "INTERNAL_ERROR" && error["exit_code"] == 1 && error["retryable"] == false)
    #expect(
      error["message"]?.stringValue == "tandem was killed by signal 11 without printing a JSON envelope")
    #expect(error["stderr"] == "segfault\n")
  }
}
