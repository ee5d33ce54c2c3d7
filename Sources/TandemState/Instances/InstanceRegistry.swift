internal import SystemPlatform

/// The instance namespaces under `instances/` in a home.
public struct InstanceRegistry: Sendable {
  /// The state home.
  public let home: StateHome

  /// The registry of `home`.
  public init(home: StateHome) {
    self.home = home
  }

  /// One instance namespace.
  public struct Summary: Sendable, Equatable {
    /// The instance id.
    public let id: String
    /// The namespace's directory.
    public let path: String
    /// When its document was last written (file modification time, milliseconds since the
    /// epoch), or `nil` if it has none.
    public let lastWriteMilliseconds: Int64?
  }

  /// The instances, sorted by id. Entries that are not valid instance ids (such as leftovers
  /// of an interrupted removal) are skipped.
  public func list() throws(StateError) -> [Summary] {
    try list(after: nil, limit: nil).instances
  }

  /// Some of the instances, in id order: what a listing shows one page at a time.
  public struct Page: Sendable {
    /// The instances, sorted by id.
    public let instances: [Summary]
    /// Whether instances after the last of ``instances`` remain.
    public let hasMore: Bool
  }

  /// The first `limit` instances (all with `nil`) whose ids sort after `id` (from the first
  /// with `nil`). Continuing each page after the last id of the one before lists every
  /// instance that exists throughout exactly once, whatever is created or removed meanwhile.
  /// Only the instances of the page are examined.
  public func list(after id: String?, limit: Int?) throws(StateError) -> Page {
    guard let directory = try home.openDirectory([StateHome.instancesDirectoryName], create: false) else {
      return Page(instances: [], hasMore: false)
    }
    var result: [Summary] = []
    for name in try directory.entries().sorted() where InstanceID.isValid(name) {
      if let id, name <= id { continue }
      guard let info = directory.status(name), (info.st_mode & S_IFMT) == S_IFDIR else { continue }
      if let limit, result.count == limit { return Page(instances: result, hasMore: true) }
      var lastWrite: Int64?
      if let sub = try? directory.openSubdirectory(name, create: false),
        let file = sub.status(ConfigStore.fileName)
      {
        lastWrite = Platform.modificationMilliseconds(of: file)
      }
      result.append(Summary(id: name, path: directory.displayPath(name), lastWriteMilliseconds: lastWrite))
    }
    return Page(instances: result, hasMore: false)
  }

  /// Removes an instance's namespace under its lock: waits for its writers, moves the
  /// directory out of the way and deletes it. A writer that was waiting on the removed
  /// namespace notices and starts a fresh one instead of writing into the removed one.
  /// Throws ``StateError/Code/notFound`` if there is no such instance.
  public func remove(_ id: InstanceID, timeout: LockTimeout = .default, intent: LockIntent) throws(StateError)
  {
    let components = [StateHome.instancesDirectoryName, id.rawValue]
    guard try home.openDirectory(components, create: false) != nil else {
      var error = StateError(
        .notFound, "no instance \(id.rawValue) in \(home.path)", path: home.displayPath(components))
      error.fixCommand = nil
      error.suggestion = "list instances with `instances list`"
      throw error
    }
    let locked = try LockAcquisition.acquire(
      home: home, directory: components, name: ConfigStore.lockFileName, timeout: timeout, intent: intent)
    defer { locked.lock.release() }
    guard let parent = try home.openDirectory([StateHome.instancesDirectoryName], create: false) else {
      return
    }
    // Before the lock files go: a namespace created again must continue above these.
    try RetiredRevisions.retire(id, from: locked.directory, home: home)
    var random = SystemRandomNumberGenerator()
    let aside = ".removed-\(id.rawValue)-\(String(random.next(), radix: 16))"
    do throws(SystemCallError) {
      try SystemCall.rename(id.rawValue, in: parent.fd, to: aside, in: parent.fd)
    } catch {
      throw StateError.system(error, path: home.displayPath(components), doing: "remove")
    }
    // The namespace is gone once renamed aside. What is left of it (a directory that could
    // not be listed or removed) is skipped by `list()` as not an instance id, and harmless.
    for name in (try? locked.directory.entries()) ?? [] {
      try locked.directory.removeFile(name)
    }
    try? SystemCall.unlink(aside, in: parent.fd, flags: AT_REMOVEDIR)
    try parent.synchronize()
  }
}
