#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Accounts and their tokens under `credentials/` in the home: one shared token set per
/// account, refreshed at most once across all processes.
///
/// The single flight: a caller that needs a refresh takes the account's lock, reads the
/// record again, refreshes only if it still needs to, saves the new tokens atomically (mode
/// 0600) and releases. Everyone who waited meanwhile then finds the new token and uses it.
/// The lock is held across the network call, so the refresh's own timeout is kept below the
/// lock timeout, and a lock timeout never leads to a refresh without the lock.
public struct CredentialStore: Sendable {
  /// The state home.
  public let home: StateHome

  /// The directory of account files.
  public static let directoryName = "credentials"

  /// The credential store of `home`.
  public init(home: StateHome) {
    self.home = home
  }

  /// The outcome of ``token(account:minimumValidity:timeout:intent:refresher:)`` and
  /// ``refresh(account:ifGeneration:timeout:intent:refresher:)``.
  public struct TokenResult: Sendable {
    /// The account.
    public var account: String
    /// Its current tokens. Secret.
    public var tokens: TokenSet
    /// The generation of these tokens: raised by 1 at every stored refresh.
    public var generation: UInt64
    /// Whether this call contacted the provider.
    public var refreshed: Bool
  }

  /// The account file's path.
  public func path(of account: String) -> String {
    home.displayPath([Self.directoryName, account + ".json"])
  }

  /// Reads an account without taking its lock.
  public func record(_ account: String) throws(StateError) -> AccountRecord {
    try InstanceID.validateName(account, kind: "account name")
    guard let directory = try home.openDirectory([Self.directoryName], create: false),
      let record = try read(account, in: directory)
    else { throw missing(account) }
    return record
  }

  /// Every stored account, sorted by name.
  public func records() throws(StateError) -> [AccountRecord] {
    guard let directory = try home.openDirectory([Self.directoryName], create: false) else { return [] }
    var result: [AccountRecord] = []
    for entry in try directory.entries().sorted() where entry.hasSuffix(".json") && !entry.hasPrefix(".") {
      let name = String(entry.dropLast(5))
      guard InstanceID.isValid(name), let record = try read(name, in: directory) else { continue }
      result.append(record)
    }
    return result
  }

  /// Stores an account (replacing one of the same name) with its first refresh token.
  @discardableResult
  public func login(
    account: String, source: CredentialSource, refreshToken: String?, timeout: LockTimeout, intent: LockIntent
  ) throws(StateError) -> AccountRecord {
    try InstanceID.validateName(account, kind: "account name")
    let locked = try lock(account, timeout: timeout, intent: intent)
    defer { locked.lock.release() }
    let previous = try read(account, in: locked.directory)
    var record = AccountRecord(
      name: account, source: source, generation: previous.map { $0.generation + 1 } ?? 0)
    if let refreshToken {
      record.tokens = TokenSet(accessToken: "", expiresAtMilliseconds: 0, refreshToken: refreshToken)
    }
    try save(record, in: locked.directory)
    return record
  }

  /// Removes an account's stored tokens under its lock.
  public func logout(account: String, timeout: LockTimeout, intent: LockIntent) throws(StateError) {
    try InstanceID.validateName(account, kind: "account name")
    guard try home.openDirectory([Self.directoryName], create: false) != nil else { throw missing(account) }
    let locked = try lock(account, timeout: timeout, intent: intent)
    defer { locked.lock.release() }
    guard try read(account, in: locked.directory) != nil else { throw missing(account) }
    try locked.directory.removeFile(account + ".json")
    try locked.directory.synchronize()
  }

  /// A valid access token: the stored one if it is valid for at least `minimumValidity`
  /// milliseconds more, else a new one from a single-flight refresh.
  public func token(
    account: String, minimumValidity: Int64, timeout: LockTimeout, intent: LockIntent,
    refresher: any TokenRefresher
  ) throws(StateError) -> TokenResult {
    // Most calls end here: a valid token, read without the lock.
    let current = try record(account)
    if let tokens = current.tokens, tokens.isValid(forAtLeast: minimumValidity) {
      return TokenResult(account: account, tokens: tokens, generation: current.generation, refreshed: false)
    }
    let locked: LockedDirectory
    do {
      locked = try lock(account, timeout: timeout, intent: intent)
    } catch let error where error.code == .concurrentModification {
      // Never refresh without the lock; a newer token may have landed meanwhile.
      let again = try record(account)
      if let tokens = again.tokens, tokens.isValid(forAtLeast: minimumValidity) {
        return TokenResult(account: account, tokens: tokens, generation: again.generation, refreshed: false)
      }
      throw error
    }
    defer { locked.lock.release() }
    guard let fresh = try read(account, in: locked.directory) else { throw missing(account) }
    if let tokens = fresh.tokens, tokens.isValid(forAtLeast: minimumValidity) {
      return TokenResult(account: account, tokens: tokens, generation: fresh.generation, refreshed: false)
    }
    return try refresh(fresh, in: locked.directory, timeout: timeout, refresher: refresher)
  }

  /// The 401 recovery step: refreshes only if the account is still at `generation`; if
  /// another process refreshed since, returns its newer token without contacting the
  /// provider. Without `generation`, refreshes unconditionally, still one at a time.
  public func refresh(
    account: String, ifGeneration generation: UInt64?, timeout: LockTimeout, intent: LockIntent,
    refresher: any TokenRefresher
  ) throws(StateError) -> TokenResult {
    _ = try record(account)
    let locked: LockedDirectory
    do {
      locked = try lock(account, timeout: timeout, intent: intent)
    } catch let error where error.code == .concurrentModification {
      let again = try record(account)
      if let generation, again.generation != generation, let tokens = again.tokens,
        tokens.isValid(forAtLeast: 0)
      {
        return TokenResult(account: account, tokens: tokens, generation: again.generation, refreshed: false)
      }
      throw error
    }
    defer { locked.lock.release() }
    guard let fresh = try read(account, in: locked.directory) else { throw missing(account) }
    if let generation, fresh.generation != generation, let tokens = fresh.tokens,
      tokens.isValid(forAtLeast: 0)
    {
      return TokenResult(account: account, tokens: tokens, generation: fresh.generation, refreshed: false)
    }
    return try refresh(fresh, in: locked.directory, timeout: timeout, refresher: refresher)
  }

  /// The refresh itself, with the lock held.
  private func refresh(
    _ record: AccountRecord, in directory: DirectoryHandle, timeout: LockTimeout,
    refresher: any TokenRefresher
  ) throws(StateError) -> TokenResult {
    let interrupted = record.interruptedRefresh
    // Leave a mark while the request is out: if this process dies before it stores the
    // answer, the next caller knows the provider may have rotated the token.
    var marked = record
    marked.interruptedRefresh = AccountRecord.InterruptedRefresh(
      pid: getpid(), startedAtMilliseconds: SystemClock.wallMilliseconds())
    try save(marked, in: directory)

    // Below the lock timeout, so that a waiter never gives up on a healthy refresh.
    let networkTimeout = max(100, min(timeout.milliseconds * 4 / 5, 30_000))
    let request = RefreshRequest(
      account: record.name, source: record.source, refreshToken: record.tokens?.refreshToken,
      timeoutMilliseconds: networkTimeout)
    let tokens: TokenSet
    do {
      tokens = try refresher.refresh(request)
    } catch {
      // Never delete what is stored; only take the mark away again (a timeout keeps it: the
      // outcome at the provider is unknown).
      if error.kind == .invalidGrant, let again = try? read(record.name, in: directory),
        again.generation != record.generation, let newer = again.tokens, newer.isValid(forAtLeast: 0)
      {
        // Someone stored a newer token meanwhile: use it, and leave their credentials be.
        return TokenResult(
          account: record.name, tokens: newer, generation: again.generation, refreshed: false)
      }
      if error.kind != .timeout { try? save(record, in: directory) }
      throw classify(error, account: record.name, interrupted: interrupted)
    }
    var updated = record
    updated.tokens = tokens
    updated.generation = record.generation + 1
    updated.interruptedRefresh = nil
    try save(updated, in: directory)
    return TokenResult(account: record.name, tokens: tokens, generation: updated.generation, refreshed: true)
  }

  private func classify(
    _ failure: RefreshFailure, account: String, interrupted: AccountRecord.InterruptedRefresh?
  ) -> StateError {
    let path = path(of: account)
    switch failure.kind {
    case .invalidGrant:
      let expired = failure.detail.lowercased().contains("expired")
      var message = "account \(account): \(failure.detail)"
      if let interrupted {
        message +=
          "; an earlier refresh (pid \(interrupted.pid), started "
          + "\(SystemClock.iso8601(wallMilliseconds: interrupted.startedAtMilliseconds))) was interrupted before it "
          + "stored its answer, so the provider had probably rotated the refresh token already"
      }
      var error = StateError(
        expired && interrupted == nil ? .credentialsExpired : .refreshRevoked, message, path: path)
      error.fixRequired = "log in again: auth login --account \(account) (the stored credentials were kept)"
      return error
    case .accessDenied:
      var error = StateError(.accessDenied, "account \(account): \(failure.detail)", path: path)
      error.fixRequired = "the provider denies this client; check the client id, secret and scope"
      return error
    case .unavailable:
      var error = StateError(
        .unavailable, "account \(account): \(failure.detail); nothing was changed", path: path)
      error.retryAfterMilliseconds = RetryAdvice.jittered(2000)
      return error
    case .timeout:
      var error = StateError(
        .refreshTimeout,
        "account \(account): \(failure.detail); the provider may have rotated the refresh token", path: path)
      error.fixRequired = "run the same command again; if it then fails with REFRESH_REVOKED, log in again"
      return error
    case .malformed:
      return StateError(.refreshFailed, "account \(account): \(failure.detail)", path: path)
    }
  }

  private func missing(_ account: String) -> StateError {
    var error = StateError(
      .credentialsMissing, "no account \(account) in \(home.path)", path: path(of: account))
    error.fixRequired = "log in first: auth login --account \(account)"
    return error
  }

  private func lock(_ account: String, timeout: LockTimeout, intent: LockIntent) throws(StateError)
    -> LockedDirectory
  {
    try LockAcquisition.acquire(
      home: home, directory: [Self.directoryName], name: account + ".json.lock", timeout: timeout,
      intent: intent)
  }

  private func read(_ account: String, in directory: DirectoryHandle) throws(StateError) -> AccountRecord? {
    guard let bytes = try directory.readFile(account + ".json", limit: StateLimits.maximumDocumentBytes)
    else {
      return nil
    }
    guard let record = AccountRecord.decode(bytes) else {
      var error = StateError(
        .stateCorrupt, "\(path(of: account)) is corrupt; it was left untouched", path: path(of: account))
      error.fixRequired = "log in again (auth login --account \(account)) after moving the file aside"
      throw error
    }
    return record
  }

  private func save(_ record: AccountRecord, in directory: DirectoryHandle) throws(StateError) {
    let name = record.name + ".json"
    _ = AtomicFile.removeOrphans(of: name, in: directory)
    try AtomicFile.write(record.encode(), as: name, in: directory)
  }
}
