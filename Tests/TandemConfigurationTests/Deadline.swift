/// Runs `body`, cancelling it and throwing ``Expired`` if it has not finished within `limit`:
/// a watch that never receives the value it waits for fails the test instead of hanging it.
func withDeadline<Result: Sendable>(
  _ limit: Duration, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
  try await withThrowingTaskGroup(of: Result?.self) { group in
    group.addTask { try await body() }
    group.addTask {
      try await Task.sleep(for: limit)
      return nil
    }
    defer { group.cancelAll() }
    guard let result = try await group.next(), let result else { throw Expired(limit: limit) }
    return result
  }
}

/// A bounded wait ran out.
struct Expired: Error, CustomStringConvertible {
  var limit: Duration
  var description: String { "nothing arrived within \(limit)" }
}
