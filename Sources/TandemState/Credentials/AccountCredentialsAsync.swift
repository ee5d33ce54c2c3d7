extension AccountCredentials {
  /// A valid access token, as ``token(account:minimumValidity:timeout:intent:refresher:)``
  /// returns it, for async callers: the task is suspended, not a thread blocked, while it
  /// waits for the account's lock and for `refresher`.
  ///
  /// The same single flight across processes (and hosts): a caller that needs a refresh takes the
  /// account's lock (shared with the blocking calls and every other process), reads the
  /// record again and refreshes only if it still needs to; everyone who waited meanwhile
  /// finds the new token. A task cancelled while it waits for the lock stops waiting at once
  /// with ``StateError/Code/cancelled``, and nothing was sent or written. (Once the request
  /// is out, the refresher decides what cancellation means; its answer is stored either
  /// way, since the provider may have rotated the token.)
  public func token(
    account: String, minimumValidity: Duration, timeout: LockTimeout, intent: LockIntent,
    refresher: any AsyncTokenRefresher
  ) async throws(StateError) -> AccountToken {
    let minimumValidity = max(.zero, minimumValidity)
    if let cached = try validToken(account, minimumValidity) { return cached }
    let locked: Records.Locked
    do {
      locked = try await store.lock(account, timeout: timeout, intent: intent)
    } catch {
      return try validToken(account, minimumValidity, afterLockFailure: error)
    }
    defer { store.release(locked) }
    switch try tokenStep(account, minimumValidity, under: locked) {
    case .use(let result):
      return result
    case .refresh(let record):
      let pending = try beginRefresh(record, in: locked, timeout: timeout)
      let answer = await Self.ask(refresher, pending.request)
      let result = try finishRefresh(pending, answer: answer, in: locked)
      return try checkValidity(of: result, minimumValidity)
    }
  }

  /// The 401 recovery step, as ``refresh(account:ifGeneration:timeout:intent:refresher:)``
  /// takes it, for async callers: refreshes only if the account is still at `generation`,
  /// else returns the newer token another caller stored, with the task suspended while it
  /// waits. Cancellation as for the suspending `token`.
  public func refresh(
    account: String, ifGeneration generation: UInt64?, timeout: LockTimeout, intent: LockIntent,
    refresher: any AsyncTokenRefresher
  ) async throws(StateError) -> AccountToken {
    try checkRefreshable(account, ifGeneration: generation)
    let locked: Records.Locked
    do {
      locked = try await store.lock(account, timeout: timeout, intent: intent)
    } catch {
      return try newerToken(account, than: generation, afterLockFailure: error)
    }
    defer { store.release(locked) }
    switch try refreshStep(account, ifGeneration: generation, under: locked) {
    case .use(let result):
      return result
    case .refresh(let record):
      let pending = try beginRefresh(record, in: locked, timeout: timeout)
      let answer = await Self.ask(refresher, pending.request)
      let result = try finishRefresh(pending, answer: answer, in: locked)
      return try checkNotExpired(result)
    }
  }

  private static func ask(_ refresher: any AsyncTokenRefresher, _ request: RefreshRequest) async
    -> Result<TokenSet, RefreshFailure>
  {
    do throws(RefreshFailure) {
      return .success(try await refresher.refresh(request))
    } catch {
      return .failure(error)
    }
  }
}
