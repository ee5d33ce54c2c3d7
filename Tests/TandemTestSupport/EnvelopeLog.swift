import Foundation

/// Every JSON envelope the tests saw, to validate against the CLI Agent Spec schema.
public final class EnvelopeLog: @unchecked Sendable {
  public static let shared = EnvelopeLog()
  private let lock = NSLock()
  private var envelopes: [(String, Int32)] = []

  /// Keeps a result's standard output if it looks like an envelope.
  public func record(_ result: TandemBinary.Result) {
    let text = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    guard text.hasPrefix("{\"ok\"") else { return }
    lock.lock()
    envelopes.append((text, result.status))
    lock.unlock()
  }

  /// The envelopes recorded so far, with their exit codes.
  public var all: [(String, Int32)] {
    lock.lock()
    defer { lock.unlock() }
    return envelopes
  }
}
