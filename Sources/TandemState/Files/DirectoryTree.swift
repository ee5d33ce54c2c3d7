internal import SystemPlatform

/// One entry of a directory tree, as a walk or a removal below a ``DirectoryHandle`` met it.
struct TreeEntry: Equatable {
  /// What the entry is, read without following a link.
  enum Kind: String {
    case file
    case directory
    case symbolicLink = "symbolic_link"
    /// A socket, a pipe or a device.
    case other

    init(_ info: stat) {
      switch info.st_mode & S_IFMT {
      case S_IFREG: self = .file
      case S_IFDIR: self = .directory
      case S_IFLNK: self = .symbolicLink
      default: self = .other
      }
    }
  }

  /// The path from the walked directory, `/`-separated; empty for that directory itself.
  let relativePath: String
  let kind: Kind
}

extension DirectoryHandle {
  /// Every entry below this directory, depth first, a directory before its contents and the
  /// names of each directory in sorted order. Symbolic links are listed, never followed.
  /// Changes nothing: this is what ``removeTree(prefix:into:)`` would remove.
  func walkTree(prefix: String = "", into entries: inout [TreeEntry]) throws(StateError) {
    for name in try self.entries().sorted() {
      // An entry gone between the listing and now is no longer there to report.
      guard let info = status(name) else { continue }
      let entry = TreeEntry(relativePath: Self.join(prefix, name), kind: TreeEntry.Kind(info))
      entries.append(entry)
      if entry.kind == .directory, let sub = try openSubdirectory(name, create: false) {
        try sub.walkTree(prefix: entry.relativePath, into: &entries)
      }
    }
  }

  /// Removes everything below this directory, leaving it empty, and appends what it removed
  /// in the order of ``walkTree(prefix:into:)``. Symbolic links are removed themselves: what
  /// they point to is never touched, whether inside the home or out of it.
  func removeTree(prefix: String = "", into entries: inout [TreeEntry]) throws(StateError) {
    for name in try self.entries().sorted() {
      guard let info = status(name) else { continue }
      let entry = TreeEntry(relativePath: Self.join(prefix, name), kind: TreeEntry.Kind(info))
      entries.append(entry)
      guard entry.kind == .directory else {
        try removeFile(name)
        continue
      }
      if let sub = try openSubdirectory(name, create: false) {
        try sub.removeTree(prefix: entry.relativePath, into: &entries)
      }
      do throws(SystemCallError) {
        try SystemCall.unlink(name, in: fd, flags: AT_REMOVEDIR)
      } catch let error where error.errno == ENOENT {
        continue
      } catch {
        throw StateError.system(error, path: displayPath(name), doing: "remove")
      }
    }
  }

  private static func join(_ prefix: String, _ name: String) -> String {
    prefix.isEmpty ? name : prefix + "/" + name
  }
}
