#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Accounts and their tokens in an ``AccountRecordStore``: one shared token set per account,
/// refreshed at most once across every process (and host) the store serves.
///
/// The single flight, written once for every store: a caller that needs a refresh takes the
/// account's lock, reads the record again, refreshes only if it still needs to, saves the
/// new tokens and releases. Everyone who waited meanwhile then finds the new token and uses
/// it. The lock is held across the network call, so the refresh's own timeout is kept below
/// the lock timeout, and a lock timeout never leads to a refresh without the lock.
///
/// ``CredentialStore`` is this on the files of a state home; a store shared by several hosts
/// (PostgreSQL's `PostgresBackend.credentials`) gives the same guarantees across them.
public struct AccountCredentials<Records: AccountRecordStore>: Sendable {
  /// Where the accounts are kept.
  public let store: Records

  /// The credentials kept in `store`.
  public init(store: Records) {
    self.store = store
  }

  /// Where an account's record is, for messages.
  public func path(of account: String) -> String {
    store.path(of: account)
  }

  /// Reads an account without taking its lock.
  public func record(_ account: String) throws(StateError) -> AccountRecord {
    try InstanceID.validateName(account, kind: "account name")
    guard let record = try store.record(account) else { throw missing(account) }
    return record
  }

  /// Every stored account, sorted by name.
  public func records() throws(StateError) -> [AccountRecord] {
    try store.records()
  }

  /// Stores an account (replacing one of the same name) with its first refresh token.
  @discardableResult
  public func login(
    account: String, source: CredentialSource, refreshToken: String?, timeout: LockTimeout, intent: LockIntent
  ) throws(StateError) -> AccountRecord {
    try InstanceID.validateName(account, kind: "account name")
    try CredentialStore.validate(source)
    if let refreshToken, let problem = TokenResponse.tokenProblem(refreshToken) {
      let code: StateError.Code =
        refreshToken.utf8.count > CredentialLimits.maximumTokenBytes ? .limitExceeded : .invalidArgument
      throw StateError(code, "the refresh token is unusable: \(problem); nothing was stored")
    }
    let locked = try store.lock(account, timeout: timeout, intent: intent)
    defer { store.release(locked) }
    let previous = try store.record(account, under: locked)
    // A new login continues the generation count, even after a logout removed the account
    // (the store keeps how many were issued), so that an `--if-generation` taken before
    // it never matches; at the very top it starts again at 0 rather than overflow.
    let issued = try max(previous.map { $0.generation &+ 1 } ?? 0, store.issuedGenerations(under: locked))
    let generation = issued <= AccountRecord.maximumGeneration ? issued : 0
    var record = AccountRecord(name: account, source: source, generation: generation)
    if let refreshToken {
      record.tokens = TokenSet(accessToken: "", expiresAtMilliseconds: 0, refreshToken: refreshToken)
    }
    try store.save(record, under: locked)
    return record
  }

  /// Removes an account's stored tokens under its lock.
  public func logout(account: String, timeout: LockTimeout, intent: LockIntent) throws(StateError) {
    try InstanceID.validateName(account, kind: "account name")
    // Checked first, so that logging out of an account that was never there takes no lock
    // (and creates nothing).
    guard try store.record(account) != nil else { throw missing(account) }
    let locked = try store.lock(account, timeout: timeout, intent: intent)
    defer { store.release(locked) }
    guard try store.record(account, under: locked) != nil else { throw missing(account) }
    try store.remove(account, under: locked)
  }

  /// A valid access token: the stored one if it is valid for at least `minimumValidity`
  /// milliseconds more, else a new one from a single-flight refresh.
  ///
  /// Blocks the calling thread while it waits for the account's lock and for `refresher`;
  /// from async code, pass an ``AsyncTokenRefresher`` to the suspending overload.
  public func token(
    account: String, minimumValidity: Duration, timeout: LockTimeout, intent: LockIntent,
    refresher: any TokenRefresher
  ) throws(StateError) -> AccountToken {
    let minimumValidity = max(.zero, minimumValidity)
    // Most calls end here: a valid token, read without the lock.
    if let cached = try validToken(account, minimumValidity) { return cached }
    let locked: Records.Locked
    do {
      locked = try store.lock(account, timeout: timeout, intent: intent)
    } catch {
      return try validToken(account, minimumValidity, afterLockFailure: error)
    }
    defer { store.release(locked) }
    switch try tokenStep(account, minimumValidity, under: locked) {
    case .use(let result):
      return result
    case .refresh(let record):
      let pending = try beginRefresh(record, in: locked, timeout: timeout)
      let answer = Result { () throws(RefreshFailure) -> TokenSet in try refresher.refresh(pending.request) }
      let result = try finishRefresh(pending, answer: answer, in: locked)
      return try checkValidity(of: result, minimumValidity)
    }
  }

  /// The 401 recovery step: refreshes only if the account is still at `generation`; if
  /// another process refreshed since, returns its newer token without contacting the
  /// provider. Without `generation`, refreshes unconditionally, still one at a time.
  ///
  /// Blocks the calling thread while it waits; from async code, pass an
  /// ``AsyncTokenRefresher`` to the suspending overload.
  public func refresh(
    account: String, ifGeneration generation: UInt64?, timeout: LockTimeout, intent: LockIntent,
    refresher: any TokenRefresher
  ) throws(StateError) -> AccountToken {
    try checkRefreshable(account, ifGeneration: generation)
    let locked: Records.Locked
    do {
      locked = try store.lock(account, timeout: timeout, intent: intent)
    } catch {
      return try newerToken(account, than: generation, afterLockFailure: error)
    }
    defer { store.release(locked) }
    switch try refreshStep(account, ifGeneration: generation, under: locked) {
    case .use(let result):
      return result
    case .refresh(let record):
      let pending = try beginRefresh(record, in: locked, timeout: timeout)
      let answer = Result { () throws(RefreshFailure) -> TokenSet in try refresher.refresh(pending.request) }
      let result = try finishRefresh(pending, answer: answer, in: locked)
      return try checkNotExpired(result)
    }
  }

  // The steps below are shared by the blocking calls above and the suspending ones
  // (AccountCredentialsAsync.swift), which differ only in how they wait for the lock and the
  // refresher.

  /// The stored token, read without the lock, if it is valid for `minimumValidity` more.
  func validToken(_ account: String, _ minimumValidity: Duration) throws(StateError) -> AccountToken? {
    let current = try record(account)
    guard let tokens = current.tokens, tokens.isValid(forAtLeast: minimumValidity) else { return nil }
    return AccountToken(account: account, tokens: tokens, generation: current.generation, refreshed: false)
  }

  /// After the lock could not be taken: a token that became valid meanwhile, else `error`.
  /// Never refreshes without the lock.
  func validToken(_ account: String, _ minimumValidity: Duration, afterLockFailure error: StateError)
    throws(StateError) -> AccountToken
  {
    // A newer token may have landed while this caller waited.
    guard error.code == .concurrentModification, let result = try validToken(account, minimumValidity) else {
      throw error
    }
    return result
  }

  /// With the lock held: the token someone stored meanwhile, or the record to refresh.
  func tokenStep(_ account: String, _ minimumValidity: Duration, under locked: Records.Locked)
    throws(StateError) -> RefreshStep
  {
    guard let fresh = try store.record(account, under: locked) else { throw missing(account) }
    if let tokens = fresh.tokens, tokens.isValid(forAtLeast: minimumValidity) {
      return .use(
        AccountToken(account: account, tokens: tokens, generation: fresh.generation, refreshed: false))
    }
    return .refresh(fresh)
  }

  /// A token shorter-lived than asked for is stored (the provider has rotated) but not
  /// handed out as if it were good for that long.
  func checkValidity(of result: AccountToken, _ minimumValidity: Duration) throws(StateError) -> AccountToken
  {
    guard result.tokens.isValid(forAtLeast: minimumValidity) else {
      let left = max(.zero, result.tokens.remaining()).components.seconds
      var error = StateError(
        .refreshFailed,
        "account \(result.account): the new access token is valid for \(left) s, less than the "
          + "\(minimumValidity.components.seconds) s asked for; it was stored (generation \(result.generation)) "
          + "but not returned",
        path: path(of: result.account))
      error.fixRequired = "ask for less validity than the tokens the provider issues last"
      error.remedy = .askForShorterValidity
      throw error
    }
    return result
  }

  /// Before the lock: the account exists, and `generation` was issued.
  func checkRefreshable(_ account: String, ifGeneration generation: UInt64?) throws(StateError) {
    let current = try record(account)
    if let generation { try checkIssued(generation, current) }
  }

  /// After the lock could not be taken: a valid token newer than `generation`, else `error`.
  func newerToken(_ account: String, than generation: UInt64?, afterLockFailure error: StateError)
    throws(StateError) -> AccountToken
  {
    guard error.code == .concurrentModification else { throw error }
    let again = try record(account)
    if let generation, again.generation != generation, let tokens = again.tokens,
      tokens.isValid(forAtLeast: .zero)
    {
      return AccountToken(account: account, tokens: tokens, generation: again.generation, refreshed: false)
    }
    throw error
  }

  /// With the lock held: another process's newer token, or the record to refresh.
  func refreshStep(_ account: String, ifGeneration generation: UInt64?, under locked: Records.Locked)
    throws(StateError) -> RefreshStep
  {
    guard let fresh = try store.record(account, under: locked) else { throw missing(account) }
    if let generation {
      // A logout and a new login meanwhile can lower the generation.
      try checkIssued(generation, fresh)
    }
    if let generation, fresh.generation != generation, let tokens = fresh.tokens,
      tokens.isValid(forAtLeast: .zero)
    {
      return .use(
        AccountToken(account: account, tokens: tokens, generation: fresh.generation, refreshed: false))
    }
    return .refresh(fresh)
  }

  /// A refreshed token that has expired already is stored but not returned.
  func checkNotExpired(_ result: AccountToken) throws(StateError) -> AccountToken {
    guard result.tokens.isValid(forAtLeast: .zero) else {
      throw StateError(
        .refreshFailed,
        "account \(result.account): the new access token has already expired; it was stored (generation "
          + "\(result.generation)) but not returned",
        path: path(of: result.account))
    }
    return result
  }

  /// Refuses an `--if-generation` that was never issued: it cannot come from an earlier
  /// answer, so the caller is confused, and refreshing would hide that.
  private func checkIssued(_ generation: UInt64, _ record: AccountRecord) throws(StateError) {
    guard generation > record.generation else { return }
    var error = StateError(
      .invalidArgument,
      "account \(record.name) is at generation \(record.generation): generation \(generation) was never issued",
      path: path(of: record.name))
    error.fixRequired =
      "pass the generation of the token that was refused (the `generation` that auth token returned with it)"
    throw error
  }

  /// The first half of a refresh, with the lock held: checks that the answer can be stored,
  /// and marks the record while the request is out.
  func beginRefresh(_ record: AccountRecord, in locked: Records.Locked, timeout: LockTimeout)
    throws(StateError) -> PendingRefresh
  {
    let interrupted = record.interruptedRefresh
    // Checked before anything is sent: once the provider has rotated, the answer must be storable.
    guard let nextGeneration = AccountRecord.next(after: record.generation) else {
      var error = StateError(
        .limitExceeded,
        "account \(record.name) is at generation \(record.generation), the largest the store can hold; nothing was sent",
        path: path(of: record.name))
      error.fixRequired = "log in to account \(record.name) again (the count starts again at 0)"
      error.remedy = .logIn(account: record.name)
      throw error
    }
    // Leave a mark while the request is out: if this process dies (or loses the lock) before
    // it stores the answer, the next caller knows the provider may have rotated the token.
    var marked = record
    marked.interruptedRefresh = AccountRecord.InterruptedRefresh(
      pid: getpid(), startedAtMilliseconds: SystemClock.wallMilliseconds(), host: store.refreshingHost)
    try store.save(marked, under: locked)

    // Below the lock timeout, so that a waiter with the same timeout never gives up on a
    // healthy refresh; but never so short that a slow provider costs the account its login
    // (CredentialLimits.shortestStoreRefresh says why).
    let networkTimeout = min(
      max(.milliseconds(timeout.milliseconds) * 4 / 5, CredentialLimits.shortestStoreRefresh),
      CredentialLimits.maximumRefresh)
    let request = RefreshRequest(
      account: record.name, source: record.source, refreshToken: record.tokens?.refreshToken,
      timeout: networkTimeout)
    return PendingRefresh(
      record: record, interrupted: interrupted, nextGeneration: nextGeneration, request: request)
  }

  /// The second half of a refresh, with the lock still held: stores the refresher's answer,
  /// or classifies its failure (keeping a rotated refresh token, never deleting anything).
  func finishRefresh(
    _ pending: PendingRefresh, answer: Result<TokenSet, RefreshFailure>, in locked: Records.Locked
  ) throws(StateError) -> AccountToken {
    let record = pending.record
    let interrupted = pending.interrupted
    let nextGeneration = pending.nextGeneration
    let tokens: TokenSet
    do throws(RefreshFailure) {
      tokens = try answer.get()
      // Any refresher, not only the built-in ones: what is stored must be storable and sane.
      if let problem = CredentialStore.problem(with: tokens) {
        throw RefreshFailure(
          .malformed, "the refresher returned \(problem)",
          rotatedRefreshToken: tokens.refreshToken == record.tokens?.refreshToken ? nil : tokens.refreshToken)
      }
    } catch {
      var failure = error
      // Whatever the refresher wrote, no stored secret reaches a message.
      failure.detail = Redactor(secrets: [
        record.tokens?.refreshToken, record.tokens?.accessToken, failure.rotatedRefreshToken,
      ]).redactKnownSecrets(failure.detail)
      // Never delete what is stored; only take the mark away again (a timeout keeps it: the
      // outcome at the provider is unknown).
      if failure.kind == .invalidGrant, let again = try? store.record(record.name, under: locked),
        again.generation != record.generation, let newer = again.tokens, newer.isValid(forAtLeast: .zero)
      {
        // Someone stored a newer token meanwhile: use it, and leave their credentials be.
        return AccountToken(
          account: record.name, tokens: newer, generation: again.generation, refreshed: false)
      }
      if let rotated = failure.rotatedRefreshToken, TokenResponse.tokenProblem(rotated) == nil {
        // The provider rotated, then said something unusable about the access token. The
        // old refresh token is spent: keep the new one, or the grant is lost. No access
        // token is stored, so the next call refreshes again, with the new refresh token.
        var kept = record
        kept.tokens = TokenSet(accessToken: "", expiresAtMilliseconds: 0, refreshToken: rotated)
        kept.generation = nextGeneration
        kept.interruptedRefresh = nil
        do {
          try store.save(kept, under: locked)
        } catch let saveError {
          var lost = saveError
          lost.message +=
            "; the provider had rotated the refresh token, and the new one could not be stored: log in again"
          throw lost
        }
        throw classify(failure, record: record, interrupted: interrupted, keptGeneration: nextGeneration)
      }
      if failure.kind != .timeout { try? store.save(record, under: locked) }
      throw classify(failure, record: record, interrupted: interrupted)
    }
    var updated = record
    updated.tokens = tokens
    updated.generation = nextGeneration
    updated.interruptedRefresh = nil
    do {
      try store.save(updated, under: locked)
    } catch {
      var lost = error
      lost.message +=
        "; the provider's answer was not stored, and the mark of this refresh stays: if the provider rotated "
        + "the refresh token, the next refresh fails with REFRESH_REVOKED, and account \(record.name) needs a new login"
      throw lost
    }
    return AccountToken(account: record.name, tokens: tokens, generation: updated.generation, refreshed: true)
  }

  private func classify(
    _ failure: RefreshFailure, record: AccountRecord, interrupted: AccountRecord.InterruptedRefresh?,
    keptGeneration: UInt64? = nil
  ) -> StateError {
    var error = classifyKind(failure, account: record.name, interrupted: interrupted)
    if error.code == .credentialsExpired, let tokens = record.tokens, !tokens.accessToken.isEmpty {
      // The refresh token's own expiry is not told by providers; the last access token's is
      // known, and nothing renews access after it.
      error.expiredAtMilliseconds = tokens.expiresAtMilliseconds
      let instant = SystemClock.iso8601(wallMilliseconds: tokens.expiresAtMilliseconds)
      error.message +=
        tokens.isValid(forAtLeast: .zero)
        ? "; its last access token is valid until \(instant)"
        : "; its last access token expired at \(instant)"
    }
    if let keptGeneration {
      error.message +=
        "; the provider had already rotated the refresh token, and the new one was stored (generation "
        + "\(keptGeneration)): the next refresh uses it"
    }
    if error.fixRequired == nil { error.fixRequired = failure.fix }
    return error
  }

  private func classifyKind(
    _ failure: RefreshFailure, account: String, interrupted: AccountRecord.InterruptedRefresh?
  ) -> StateError {
    let path = path(of: account)
    switch failure.kind {
    case .invalidGrant:
      let expired = failure.detail.lowercased().contains("expired")
      var message = "account \(account): \(failure.detail)"
      if let interrupted {
        message +=
          "; an earlier refresh (pid \(interrupted.pid)"
          + (interrupted.host.map { " on host " + QuotedData.quote($0) + " (quoted data)" } ?? "")
          + ", started "
          + "\(SystemClock.iso8601(wallMilliseconds: interrupted.startedAtMilliseconds))) was interrupted before it "
          + "stored its answer, so the provider had probably rotated the refresh token already"
      }
      var error = StateError(
        expired && interrupted == nil ? .credentialsExpired : .refreshRevoked, message, path: path)
      error.fixRequired = "log in to account \(account) again (the stored credentials were kept)"
      error.remedy = .logIn(account: account)
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
    case .programMissing:
      var error = StateError(
        .notFound, "account \(account): \(failure.detail); nothing was changed", path: path)
      error.fixRequired = failure.fix ?? "install the missing program"
      return error
    case .programNotRunnable:
      var error = StateError(
        .permissionDenied, "account \(account): \(failure.detail); nothing was changed", path: path)
      error.fixRequired = failure.fix ?? "make the program executable"
      return error
    case .localSetup:
      var error = StateError(.setupRequired, "account \(account): \(failure.detail)", path: path)
      error.fixRequired = failure.fix
      return error
    }
  }

  private func missing(_ account: String) -> StateError {
    var error = StateError(
      .credentialsMissing, "no account \(account) in \(store.location)", path: path(of: account))
    error.fixRequired = "log in to account \(account) first"
    error.remedy = .logIn(account: account)
    return error
  }
}

// Outside the generic type on purpose: nested in it, they would be generic too, and the
// file store's specialized code would build their metadata at run time (from mangled names,
// about 45,000 instructions each) just to destroy them.

/// What the record read under the lock calls for.
enum RefreshStep {
  /// A usable token is stored: no refresh.
  case use(AccountToken)
  /// Refresh this record.
  case refresh(AccountRecord)
}

/// A refresh under way: the request out to the refresher, and what to store its answer as.
struct PendingRefresh {
  /// The record as it was before the refresh.
  var record: AccountRecord
  /// The mark of an earlier refresh that never stored its answer, if there was one.
  var interrupted: AccountRecord.InterruptedRefresh?
  /// The generation the answer is stored as.
  var nextGeneration: UInt64
  /// What the refresher gets.
  var request: RefreshRequest
}
