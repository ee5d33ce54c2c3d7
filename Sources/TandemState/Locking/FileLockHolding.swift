extension FileLock {
  /// Runs `body` as this lock's holder: inside it, taking the same lock again (a
  /// ``NamedLock`` acquisition, a ``ConfigStore`` update of the same namespace) from the
  /// code `body` calls returns a nested handle instead of waiting for this one.
  ///
  /// Only the caller is the holder: other threads and tasks still wait for the lock, and a
  /// handle held outside a scope is not re-entrant (taking its lock again waits).
  ///
  /// ```swift
  /// let lock = try ConfigStore(home: home).acquireLock(intent: intent)
  /// defer { lock.release() }
  /// try lock.whileHolding {
  ///   try ConfigStore(home: home).update { $0["step"] = "2" }  // a nested use of `lock`
  /// }
  /// ```
  ///
  /// Async code gets the task-aware overload, even for a body that does not await.
  @_disfavoredOverload
  @discardableResult
  public func whileHolding<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure)
    -> Result
  {
    let scope = LockScopes.enter(root, owner: .synchronousCaller)
    defer { LockScopes.leave(scope) }
    return try body()
  }

  /// Runs `body` with the task as this lock's holder, as ``whileHolding(_:)`` does for
  /// synchronous code: the task stays the holder when it resumes on another thread, and
  /// other tasks, even ones on the same thread (two `@MainActor` tasks) or its own child
  /// tasks, wait for the lock. (So a task must not wait for a child task that takes a lock
  /// the parent holds: the child would wait until its timeout.)
  @discardableResult
  public func whileHolding<Result, Failure: Error>(
    isolation: isolated (any Actor)? = #isolation, _ body: () async throws(Failure) -> Result
  ) async throws(Failure) -> Result {
    let scope = LockScopes.enter(root, owner: .currentTask)
    defer { LockScopes.leave(scope) }
    return try await body()
  }
}
