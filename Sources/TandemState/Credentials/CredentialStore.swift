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

  /// The format tag of account records, from the home's tool: `NAME.credentials/1`.
  var recordFormat: String { home.tool.documentFormat(AccountRecord.formatKind, version: 1) }

  /// The credential store of `home`.
  public init(home: StateHome) {
    self.home = home
  }

  /// The outcome of ``token(account:minimumValidity:timeout:intent:refresher:)-(_,_,_,_,TokenRefresher)``
  /// and ``refresh(account:ifGeneration:timeout:intent:refresher:)-(_,_,_,_,TokenRefresher)``, and
  /// of their suspending forms.
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
    try Self.validate(source)
    if let refreshToken, let problem = TokenResponse.tokenProblem(refreshToken) {
      let code: StateError.Code =
        refreshToken.utf8.count > CredentialLimits.maximumTokenBytes ? .limitExceeded : .invalidArgument
      throw StateError(code, "the refresh token is unusable: \(problem); nothing was stored")
    }
    let locked = try lock(account, timeout: timeout, intent: intent)
    defer { locked.lock.release() }
    let previous = try read(account, in: locked.directory)
    // A new login continues the generation count, even after a logout removed the account
    // (the lock file keeps how many were issued), so that an `--if-generation` taken before
    // it never matches; at the very top it starts again at 0 rather than overflow.
    let issued = max(previous.map { $0.generation &+ 1 } ?? 0, locked.lock.historicalRevision)
    let generation = issued <= AccountRecord.maximumGeneration ? issued : 0
    var record = AccountRecord(name: account, source: source, generation: generation)
    if let refreshToken {
      record.tokens = TokenSet(accessToken: "", expiresAtMilliseconds: 0, refreshToken: refreshToken)
    }
    try save(record, in: locked)
    return record
  }

  /// Checks what `auth login` would store: an https token URL (http only to loopback), a
  /// valid client-secret variable name, a non-empty helper command.
  public static func validate(_ source: CredentialSource) throws(StateError) {
    switch source {
    case .oauth(let client):
      if let problem = TokenEndpoint.problem(client.tokenURL) {
        var error = StateError(
          .invalidArgument, "the token URL \(InstanceID.quoted(client.tokenURL)) is refused: \(problem)")
        error.fixRequired = "pass the provider's https:// token endpoint"
        throw error
      }
      guard !client.clientID.isEmpty, !client.clientID.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
      else {
        throw StateError(
          .invalidArgument, "the client id must be a non-empty string without control characters")
      }
      if let variable = client.clientSecretEnvironmentVariable {
        let bytes = Array(variable.utf8)
        let valid =
          !bytes.isEmpty && bytes.count <= 256 && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[0])
          && bytes.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
              || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
              || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
          }
        guard valid else {
          throw StateError(
            .invalidArgument,
            "the client secret variable \(InstanceID.quoted(variable)) is not an environment variable name "
              + "(letters, digits and _, not starting with a digit); pass the variable's name, not the secret"
          )
        }
      }
    case .command(let command):
      guard !command.utf8.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) else {
        throw StateError(.invalidArgument, "the credential helper command is empty")
      }
    }
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
  ///
  /// Blocks the calling thread while it waits for the account's lock and for `refresher`;
  /// from async code, pass an ``AsyncTokenRefresher`` to the suspending overload.
  public func token(
    account: String, minimumValidity: Duration, timeout: LockTimeout, intent: LockIntent,
    refresher: any TokenRefresher
  ) throws(StateError) -> TokenResult {
    let minimumValidity = max(.zero, minimumValidity)
    // Most calls end here: a valid token, read without the lock.
    if let cached = try validToken(account, minimumValidity) { return cached }
    let locked: LockedDirectory
    do {
      locked = try lock(account, timeout: timeout, intent: intent)
    } catch {
      return try validToken(account, minimumValidity, afterLockFailure: error)
    }
    defer { locked.lock.release() }
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
  ) throws(StateError) -> TokenResult {
    try checkRefreshable(account, ifGeneration: generation)
    let locked: LockedDirectory
    do {
      locked = try lock(account, timeout: timeout, intent: intent)
    } catch {
      return try newerToken(account, than: generation, afterLockFailure: error)
    }
    defer { locked.lock.release() }
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
  // (CredentialStoreAsync.swift), which differ only in how they wait for the lock and the
  // refresher.

  /// What the record read under the lock calls for.
  enum Step {
    /// A usable token is stored: no refresh.
    case use(TokenResult)
    /// Refresh this record.
    case refresh(AccountRecord)
  }

  /// The stored token, read without the lock, if it is valid for `minimumValidity` more.
  func validToken(_ account: String, _ minimumValidity: Duration) throws(StateError) -> TokenResult? {
    let current = try record(account)
    guard let tokens = current.tokens, tokens.isValid(forAtLeast: minimumValidity) else { return nil }
    return TokenResult(account: account, tokens: tokens, generation: current.generation, refreshed: false)
  }

  /// After the lock could not be taken: a token that became valid meanwhile, else `error`.
  /// Never refreshes without the lock.
  func validToken(_ account: String, _ minimumValidity: Duration, afterLockFailure error: StateError)
    throws(StateError) -> TokenResult
  {
    // A newer token may have landed while this caller waited.
    guard error.code == .concurrentModification, let result = try validToken(account, minimumValidity) else {
      throw error
    }
    return result
  }

  /// With the lock held: the token someone stored meanwhile, or the record to refresh.
  func tokenStep(_ account: String, _ minimumValidity: Duration, under locked: LockedDirectory)
    throws(StateError) -> Step
  {
    guard let fresh = try read(account, in: locked.directory) else { throw missing(account) }
    if let tokens = fresh.tokens, tokens.isValid(forAtLeast: minimumValidity) {
      return .use(
        TokenResult(account: account, tokens: tokens, generation: fresh.generation, refreshed: false))
    }
    return .refresh(fresh)
  }

  /// A token shorter-lived than asked for is stored (the provider has rotated) but not
  /// handed out as if it were good for that long.
  func checkValidity(of result: TokenResult, _ minimumValidity: Duration) throws(StateError) -> TokenResult {
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
    throws(StateError) -> TokenResult
  {
    guard error.code == .concurrentModification else { throw error }
    let again = try record(account)
    if let generation, again.generation != generation, let tokens = again.tokens,
      tokens.isValid(forAtLeast: .zero)
    {
      return TokenResult(account: account, tokens: tokens, generation: again.generation, refreshed: false)
    }
    throw error
  }

  /// With the lock held: another process's newer token, or the record to refresh.
  func refreshStep(_ account: String, ifGeneration generation: UInt64?, under locked: LockedDirectory)
    throws(StateError) -> Step
  {
    guard let fresh = try read(account, in: locked.directory) else { throw missing(account) }
    if let generation {
      // A logout and a new login meanwhile can lower the generation.
      try checkIssued(generation, fresh)
    }
    if let generation, fresh.generation != generation, let tokens = fresh.tokens,
      tokens.isValid(forAtLeast: .zero)
    {
      return .use(
        TokenResult(account: account, tokens: tokens, generation: fresh.generation, refreshed: false))
    }
    return .refresh(fresh)
  }

  /// A refreshed token that has expired already is stored but not returned.
  func checkNotExpired(_ result: TokenResult) throws(StateError) -> TokenResult {
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

  /// The first half of a refresh, with the lock held: checks that the answer can be stored,
  /// and marks the record while the request is out.
  func beginRefresh(_ record: AccountRecord, in locked: LockedDirectory, timeout: LockTimeout)
    throws(StateError) -> PendingRefresh
  {
    let interrupted = record.interruptedRefresh
    // Checked before anything is sent: once the provider has rotated, the answer must be storable.
    guard let nextGeneration = AccountRecord.next(after: record.generation) else {
      var error = StateError(
        .limitExceeded,
        "account \(record.name) is at generation \(record.generation), the largest a file can hold; nothing was sent",
        path: path(of: record.name))
      error.fixRequired = "log in to account \(record.name) again (the count starts again at 0)"
      error.remedy = .logIn(account: record.name)
      throw error
    }
    // Leave a mark while the request is out: if this process dies before it stores the
    // answer, the next caller knows the provider may have rotated the token.
    var marked = record
    marked.interruptedRefresh = AccountRecord.InterruptedRefresh(
      pid: getpid(), startedAtMilliseconds: SystemClock.wallMilliseconds())
    try save(marked, in: locked)

    // Below the lock timeout, so that a waiter never gives up on a healthy refresh.
    let networkTimeout = max(
      CredentialLimits.minimumRefresh,
      min(.milliseconds(timeout.milliseconds) * 4 / 5, CredentialLimits.maximumRefresh))
    let request = RefreshRequest(
      account: record.name, source: record.source, refreshToken: record.tokens?.refreshToken,
      timeout: networkTimeout)
    return PendingRefresh(
      record: record, interrupted: interrupted, nextGeneration: nextGeneration, request: request)
  }

  /// The second half of a refresh, with the lock still held: stores the refresher's answer,
  /// or classifies its failure (keeping a rotated refresh token, never deleting anything).
  func finishRefresh(
    _ pending: PendingRefresh, answer: Result<TokenSet, RefreshFailure>, in locked: LockedDirectory
  ) throws(StateError) -> TokenResult {
    let record = pending.record
    let interrupted = pending.interrupted
    let nextGeneration = pending.nextGeneration
    let tokens: TokenSet
    do throws(RefreshFailure) {
      tokens = try answer.get()
      // Any refresher, not only the built-in ones: what is stored must be storable and sane.
      if let problem = Self.problem(with: tokens) {
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
      if failure.kind == .invalidGrant, let again = try? read(record.name, in: locked.directory),
        again.generation != record.generation, let newer = again.tokens, newer.isValid(forAtLeast: .zero)
      {
        // Someone stored a newer token meanwhile: use it, and leave their credentials be.
        return TokenResult(
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
          try save(kept, in: locked)
        } catch let saveError {
          var lost = saveError
          lost.message +=
            "; the provider had rotated the refresh token, and the new one could not be stored: log in again"
          throw lost
        }
        throw classify(failure, record: record, interrupted: interrupted, keptGeneration: nextGeneration)
      }
      if failure.kind != .timeout { try? save(record, in: locked) }
      throw classify(failure, record: record, interrupted: interrupted)
    }
    var updated = record
    updated.tokens = tokens
    updated.generation = nextGeneration
    updated.interruptedRefresh = nil
    try save(updated, in: locked)
    return TokenResult(account: record.name, tokens: tokens, generation: updated.generation, refreshed: true)
  }

  /// Why `tokens` from a refresher cannot be stored as they are, or nil.
  static func problem(with tokens: TokenSet) -> String? {
    if let problem = TokenResponse.tokenProblem(tokens.accessToken) {
      return "an access token that is \(problem)"
    }
    if let refresh = tokens.refreshToken, let problem = TokenResponse.tokenProblem(refresh) {
      return "a refresh token that is \(problem)"
    }
    if tokens.expiresAtMilliseconds < 0
      || tokens.expiresAtMilliseconds > CredentialLimits.latestExpiryMilliseconds
    {
      return "an expiry (\(tokens.expiresAtMilliseconds) ms since the epoch) outside 1970 to 9999"
    }
    if tokens.tokenType.isEmpty || TokenResponse.tokenProblem(tokens.tokenType) != nil
      || tokens.tokenType.utf8.count > 64
    {
      return "an unusable token type"
    }
    return nil
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
          "; an earlier refresh (pid \(interrupted.pid), started "
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
      .credentialsMissing, "no account \(account) in \(home.path)", path: path(of: account))
    error.fixRequired = "log in to account \(account) first"
    error.remedy = .logIn(account: account)
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
    guard let record = AccountRecord.decode(bytes, format: recordFormat) else {
      var error = StateError(
        .stateCorrupt, "\(path(of: account)) is corrupt; it was left untouched", path: path(of: account))
      error.fixRequired = "move the file aside, then log in to account \(account) again"
      throw error
    }
    return record
  }

  /// Saves an account under its lock: only while the lock file is still the locked one (see
  /// ``LockedDirectory/commit(_:as:)``), and the lock file keeps how many generations were
  /// issued, for a login after a logout.
  private func save(_ record: AccountRecord, in locked: LockedDirectory) throws(StateError) {
    try locked.commit(record.encode(format: recordFormat), as: record.name + ".json")
    locked.lock.noteCommitted(revision: record.generation &+ 1)
  }
}
