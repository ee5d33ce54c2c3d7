extension TandemConfigProvider {
  /// Reloads every ``pollInterval`` until the task is cancelled, then returns.
  ///
  /// A reload that fails (a corrupt document, say) keeps the last good snapshot, is recorded
  /// in ``reloadFailure``, and is tried again at the next interval, as swift-configuration's
  /// reloading file providers do. Its shape is swift-service-lifecycle's `Service.run()`, so a
  /// tool that uses that package can run the provider in its service group (see
  /// docs/configuration-provider.md); this module does not depend on it.
  public func run() async throws {
    while !Task.isCancelled {
      do {
        try await Task.sleep(for: pollInterval)
      } catch {
        return
      }
      _ = try? reload()
    }
  }
}
