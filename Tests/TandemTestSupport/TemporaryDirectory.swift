public import Foundation
public import TandemState

/// A directory under the system's temporary directory, removed by ``remove()``.
public final class TemporaryDirectory: @unchecked Sendable {
  /// The directory's path.
  public let path: String

  /// Creates a fresh, empty directory.
  public init(_ label: String = "tandem-test") {
    var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
    let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    path = String(cString: created!)
  }

  deinit { remove() }

  /// `path/name`.
  public func appending(_ name: String) -> String { path + "/" + name }

  /// Deletes the directory and everything in it.
  public func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// The bytes of a file, or nil.
  public func contents(_ relative: String) -> Data? {
    FileManager.default.contents(atPath: appending(relative))
  }

  /// Writes a file, creating parent directories.
  public func write(_ relative: String, _ data: Data) throws {
    let url = URL(fileURLWithPath: appending(relative))
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try data.write(to: url)
  }

  /// Names in a subdirectory (empty if missing).
  public func entries(_ relative: String = "") -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: relative.isEmpty ? path : appending(relative)))
      ?? []
  }
}

extension ToolIdentity {
  /// The identity of the reference tool, whose files the state tests read and write.
  public static let tandem = ToolIdentity(name: "tandem", environmentPrefix: "TANDEM", home: .dotDirectory)
}
