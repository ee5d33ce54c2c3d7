extension FileLock {
  /// Runs `body` as this lock's holder: inside it, taking the same lock again (a
  /// ``NamedLock`` acquisition, a ``ConfigStore`` update of the same namespace) from the
  /// same task, or from the same synchronous caller outside any task, returns a nested
  /// handle instead of waiting for this one.
  ///
  /// Only the caller is the holder: another task, a child task included, still waits for
  /// the lock, even one that runs on the same thread. So a task must not wait for a child
  /// task that takes a lock the parent holds (the child would wait until its timeout).
  ///
  /// ```swift
  /// let lock = try NamedLock(home: home, name: "deploy").acquire(intent: intent)
  /// defer { lock.release() }
  /// try lock.whileHolding {
  ///   try store.update { $0["deployed"] = "yes" }  // the store's lock is another lock
  ///   try NamedLock(home: home, name: "deploy").withLock(intent: intent) { _ in }  // nested
  /// }
  /// ```
  ///
  /// Async code gets the task-aware overload, even for a body that does not await.
  @_disfavoredOverload
  @discardableResult
  public func whileHolding<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure)
    -> Result
  {
    let owner = LockOwner.current
    LockScopes.enter(root, owner: owner)
    defer { LockScopes.leave(root, owner: owner) }
    return try body()
  }

  /// Runs `body` as this lock's holder, as ``whileHolding(_:)`` does for synchronous code:
  /// the task stays the holder when it resumes on another thread, and other tasks on the
  /// same thread (two `@MainActor` tasks, say) do not become holders.
  @discardableResult
  public func whileHolding<Result, Failure: Error>(
    isolation: isolated (any Actor)? = #isolation, _ body: () async throws(Failure) -> Result
  ) async throws(Failure) -> Result {
    let owner = LockOwner.current
    LockScopes.enter(root, owner: owner)
    defer { LockScopes.leave(root, owner: owner) }
    return try await body()
  }
}
