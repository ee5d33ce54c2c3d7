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
    /// When its config document or its active account (`auth.json`) was last written,
    /// whichever came later (file modification time, milliseconds since the epoch), or `nil`
    /// if it has neither.
    public var lastWriteMilliseconds: Int64? {
      switch (configWriteMilliseconds, accountWriteMilliseconds) {
      case (let config?, let account?): return max(config, account)
      case (let config, let account): return config ?? account
      }
    }
    /// When its config document was last written, or `nil` if it has none.
    public let configWriteMilliseconds: Int64?
    /// When its active account (`auth.json`, ``ActiveAccount``) was last written, or `nil`
    /// if it has none.
    public let accountWriteMilliseconds: Int64?
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
      let sub = try? directory.openSubdirectory(name, create: false)
      let config = sub?.status(ConfigStore.fileName).map(Platform.modificationMilliseconds(of:))
      let account = sub?.status(ActiveAccount.fileName).map(Platform.modificationMilliseconds(of:))
      result.append(
        Summary(
          id: name, path: directory.displayPath(name), configWriteMilliseconds: config,
          accountWriteMilliseconds: account))
    }
    return Page(instances: result, hasMore: false)
  }

  /// Whether the home holds at least one instance namespace: one read of `instances/`
  /// that stops at the first, without opening any namespace. `false` when there is none or
  /// `instances/` cannot be read.
  public func hasInstances() -> Bool {
    // One open by path (not the home, then `instances/` in it, and no path built from a
    // list): every default write to the shared document asks, and a single user's home has
    // no `instances/` at all. As everywhere below the home, a link there is not followed.
    guard
      let fd = try? SystemCall.open(
        home.path + "/" + StateHome.instancesDirectoryName,
        flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    else { return false }
    defer { SystemCall.release(fd) }
    var found = false
    // Same rule as `list()`: a valid id naming a directory (leftovers are skipped).
    try? SystemCall.scanEntries(of: fd) { name in
      guard InstanceID.isValid(name), let info = try? SystemCall.status(of: name, in: fd),
        (info.st_mode & S_IFMT) == S_IFDIR
      else { return true }
      found = true
      return false
    }
    return found
  }

  /// What ``remove(_:timeout:intent:)`` would remove and record now, found without a lock
  /// and without creating or changing anything. Throws ``StateError/Code/notFound`` if
  /// there is no such instance, as the removal would.
  public func plannedRemoval(_ id: InstanceID) throws(StateError) -> NamespaceRemoval {
    let components = [StateHome.instancesDirectoryName, id.rawValue]
    guard let namespace = try home.openDirectory(components, create: false) else {
      throw Self.notFound(id, home: home)
    }
    var entries = [TreeEntry(relativePath: "", kind: .directory)]
    try namespace.walkTree(into: &entries)
    return NamespaceRemoval(
      instanceID: id, path: home.displayPath(components), entries: entries,
      retired: try RetiredRevisions.merged(id, from: namespace, home: home),
      retiredPath: RetiredRevisions.path(of: id, home: home))
  }

  /// Removes an instance's namespace under its lock: waits for its writers, moves the
  /// directory out of the way and deletes it with everything in it (documents, lock files,
  /// the tools' namespaces of `run --isolate`; symbolic links are removed, never followed).
  /// A writer that was waiting on the removed namespace notices and starts a fresh one
  /// instead of writing into the removed one. Throws ``StateError/Code/notFound`` if there
  /// is no such instance.
  ///
  /// Returns what was removed and recorded, in the shape of ``plannedRemoval(_:)``.
  @discardableResult
  public func remove(_ id: InstanceID, timeout: LockTimeout = .default, intent: LockIntent)
    throws(StateError) -> NamespaceRemoval
  {
    let components = [StateHome.instancesDirectoryName, id.rawValue]
    guard let namespace = try home.openDirectory(components, create: false) else {
      throw Self.notFound(id, home: home)
    }
    // The lock file this removal creates to take the lock (when no writer ever did) is not
    // reported: it did not exist before, and it goes with the rest.
    let lockFileExisted = namespace.status(ConfigStore.lockFileName) != nil
    let locked = try LockAcquisition.acquire(
      home: home, directory: components, name: ConfigStore.lockFileName, timeout: timeout, intent: intent)
    defer { locked.lock.release() }
    let retiredPath = RetiredRevisions.path(of: id, home: home)
    guard let parent = try home.openDirectory([StateHome.instancesDirectoryName], create: false) else {
      return NamespaceRemoval(
        instanceID: id, path: home.displayPath(components), entries: [], retired: [:],
        retiredPath: retiredPath)
    }
    // Before the lock files go: a namespace created again must continue above these.
    let retired = try RetiredRevisions.retire(id, from: locked.directory, home: home)
    var random = SystemRandomNumberGenerator()
    let aside = ".removed-\(id.rawValue)-\(String(random.next(), radix: 16))"
    do throws(SystemCallError) {
      try SystemCall.rename(id.rawValue, in: parent.fd, to: aside, in: parent.fd)
    } catch {
      throw StateError.system(error, path: home.displayPath(components), doing: "remove")
    }
    // The namespace is gone once renamed aside. What is left of it (a directory that could
    // not be removed) is skipped by `list()` as not an instance id, and harmless.
    var removed = [TreeEntry(relativePath: "", kind: .directory)]
    try locked.directory.removeTree(into: &removed)
    if !lockFileExisted { removed.removeAll { $0.relativePath == ConfigStore.lockFileName } }
    try? SystemCall.unlink(aside, in: parent.fd, flags: AT_REMOVEDIR)
    try parent.synchronize()
    return NamespaceRemoval(
      instanceID: id, path: home.displayPath(components), entries: removed, retired: retired,
      retiredPath: retiredPath)
  }

  private static func notFound(_ id: InstanceID, home: StateHome) -> StateError {
    let components = [StateHome.instancesDirectoryName, id.rawValue]
    var error = StateError(
      .notFound, "no instance \(id.rawValue) in \(home.path)", path: home.displayPath(components))
    error.fixCommand = nil
    error.suggestion = "list instances with `instances list`"
    return error
  }
}
