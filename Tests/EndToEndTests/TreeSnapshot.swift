import Foundation

/// Everything under a directory, as a dry run must leave it: every name, with its type and
/// permission bits, the bytes of every file and the target of every symbolic link. Two
/// snapshots are equal exactly when the tree is byte for byte the same (times aside).
struct TreeSnapshot: Equatable {
  /// One entry: `mode` is `st_mode` (type and permissions); `contents` a file's bytes or a
  /// link's target.
  struct Entry: Equatable {
    let mode: UInt32
    let contents: Data
  }

  /// By path relative to the root; the root itself is `"."` (absent when there is no root).
  let entries: [String: Entry]

  /// Reads the tree at `root`, never following a link.
  init(_ root: String) {
    var entries: [String: Entry] = [:]
    func visit(_ path: String, _ relative: String) {
      var info = stat()
      guard lstat(path, &info) == 0 else { return }
      var contents = Data()
      switch info.st_mode & S_IFMT {
      case S_IFREG:
        contents = FileManager.default.contents(atPath: path) ?? Data("<unreadable>".utf8)
      case S_IFLNK:
        contents = Data(((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "").utf8)
      case S_IFDIR:
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names.sorted() {
          visit(path + "/" + name, relative == "." ? name : relative + "/" + name)
        }
      default:
        break
      }
      entries[relative] = Entry(mode: UInt32(info.st_mode), contents: contents)
    }
    visit(root, ".")
    self.entries = entries
  }

  /// The paths that differ between two snapshots, for a failure message.
  func differences(from other: TreeSnapshot) -> [String] {
    Set(entries.keys).union(other.entries.keys).sorted().filter { entries[$0] != other.entries[$0] }
  }

  /// The paths of the entries below `prefix` (`instances/a`), the prefix itself included.
  func paths(under prefix: String) -> Set<String> {
    Set(entries.keys.filter { $0 == prefix || $0.hasPrefix(prefix + "/") })
  }
}
