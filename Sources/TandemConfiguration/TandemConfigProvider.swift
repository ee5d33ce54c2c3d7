public import Configuration
import Synchronization
public import TandemState

/// A swift-configuration provider over a Tandem state home: an instance's configuration,
/// its own values over the shared ones, read through `ConfigReader`.
///
/// ```swift
/// import Configuration
/// import TandemConfiguration
/// import TandemState
///
/// let tool = ToolIdentity(name: "mytool")
/// let home = try StateHome.resolve(tool: tool, explicit: nil, environment: environment)
/// let provider = try TandemConfigProvider(home: home, instance: try InstanceID("agent-1"))
/// let config = ConfigReader(provider: provider)
/// let region = config.string(forKey: "aws.region", default: "us-east-1")
/// let retries = config.int(forKey: "http.retries", default: 3)
/// ```
///
/// A key's components are joined with dots into Tandem's key (`http.retries`). Values are stored
/// as strings and converted on each read, as swift-configuration's environment-variable provider
/// converts its strings; one that does not convert throws ``ConfigValueConversionError``.
///
/// The provider reads the documents once when made and keeps them: `get` reads (`string(forKey:)`,
/// `int(forKey:)`) are answered from memory. Another process's committed writes appear after
/// ``reload()``, after a `fetch` read (which reloads first), or while ``run()`` polls. A reload
/// reads each document whole, through ``ConfigStore/read()``, so no reader ever sees half of a
/// write, and `watchValue`/`watchSnapshot` streams receive every change a reload finds.
public final class TandemConfigProvider: Sendable {
  /// The state home read.
  public let home: StateHome
  /// The instance whose values win over the shared ones, or `nil` to read only the shared
  /// document.
  public let instance: InstanceID?
  /// How long ``run()`` waits between reloads (at least 10 milliseconds).
  public let pollInterval: Duration
  /// The name swift-configuration's access reporters show for this provider.
  public let providerName: String

  /// The documents' stores, nearest first.
  private let layers: LayeredConfig
  private let secrets: SecretsSpecifier<String, String>
  private let parser: ConfigValueParser

  /// What readers see and who is watching it.
  private struct State {
    var snapshot: TandemConfigSnapshot
    var watchers = ConfigWatchers()
    var reloadFailure: StateError?
  }

  private let state: Mutex<State>
  /// Held for the whole of a reload, so that reloads install their snapshots, and tell the
  /// watchers, in the order they read the documents: a slower reload of older documents never
  /// replaces a newer snapshot.
  private let reloadLock = Mutex(())

  /// Reads the configuration of `instance` (or only the shared configuration) under `home`.
  ///
  /// - Parameters:
  ///   - home: The state home.
  ///   - instance: The instance whose values win over the shared ones; `nil` reads only the
  ///     shared document.
  ///   - pollInterval: How long ``run()`` waits between reloads; at least 10 milliseconds.
  ///   - secretsSpecifier: Which values are secret, by Tandem key and value: secret values are
  ///     redacted in swift-configuration's logs and in conversion errors.
  ///   - bytesDecoder: How `bytes` values are decoded from their strings (base64 by default).
  ///   - arraySeparator: The character array values are split at; elements are trimmed.
  /// - Throws: `StateError` when a document is corrupt or cannot be read. A document never
  ///   written reads as empty.
  public init(
    home: StateHome,
    instance: InstanceID? = nil,
    pollInterval: Duration = .seconds(1),
    secretsSpecifier: SecretsSpecifier<String, String> = .none,
    bytesDecoder: some ConfigBytesFromStringDecoder = .base64,
    arraySeparator: Character = ","
  ) throws(StateError) {
    self.home = home
    self.instance = instance
    self.pollInterval = max(pollInterval, .milliseconds(10))
    self.providerName = "TandemConfigProvider[\(instance.map { "instance \($0.rawValue)" } ?? "shared")]"
    layers = LayeredConfig(home: home, namespace: instance.map { .instance($0) } ?? .shared)
    secrets = secretsSpecifier
    parser = ConfigValueParser(bytesDecoder: bytesDecoder, arraySeparator: arraySeparator)
    let snapshot = try Self.read(layers, providerName: providerName, secrets: secrets, parser: parser)
    state = Mutex(State(snapshot: snapshot))
  }

  /// The snapshot readers see now.
  public var currentSnapshot: TandemConfigSnapshot {
    state.withLock { $0.snapshot }
  }

  /// Why the last reload failed, or `nil` when it succeeded. A failed reload keeps the
  /// previous snapshot, so ``run()`` goes on serving the last good values.
  public var reloadFailure: StateError? {
    state.withLock { $0.reloadFailure }
  }

  /// Reads the documents again and, if they changed, makes them what readers see and tells
  /// every watcher whose value changed.
  ///
  /// - Returns: Whether anything changed.
  /// - Throws: `StateError` when a document is corrupt or cannot be read; the previous
  ///   snapshot stays.
  @discardableResult
  public func reload() throws(StateError) -> Bool {
    try reloadLock.withLock { _ throws(StateError) -> Bool in
      let fresh: TandemConfigSnapshot
      do throws(StateError) {
        fresh = try Self.read(layers, providerName: providerName, secrets: secrets, parser: parser)
      } catch {
        state.withLock { $0.reloadFailure = error }
        throw error
      }
      let change = state.withLock { state -> (TandemConfigSnapshot, ConfigWatchers)? in
        state.reloadFailure = nil
        guard !state.snapshot.hasSameDocuments(as: fresh) else { return nil }
        let old = state.snapshot
        state.snapshot = fresh
        return (old, state.watchers)
      }
      guard let (old, watchers) = change else { return false }
      // Outside the state lock (conversions run for every watched key), inside the reload
      // lock (so that a later reload's news never arrives first).
      watchers.notify(from: old, to: fresh)
      return true
    }
  }

  private static func read(
    _ layers: LayeredConfig, providerName: String, secrets: SecretsSpecifier<String, String>,
    parser: ConfigValueParser
  ) throws(StateError) -> TandemConfigSnapshot {
    TandemConfigSnapshot(
      providerName: providerName, instanceDocument: try layers.instance?.read(),
      sharedDocument: try layers.shared.read(), secrets: secrets, parser: parser)
  }

  /// Adds a value watcher and sends it the current value, under the state lock so that no
  /// reload falls between the two.
  fileprivate func addWatcher(
    key: AbsoluteConfigKey, type: ConfigType,
    _ continuation: AsyncStream<Result<LookupResult, any Error>>.Continuation
  ) -> Int {
    state.withLock { state in
      continuation.yield(Result { try state.snapshot.value(forKey: key, type: type) })
      return state.watchers.add(.init(key: key, type: type, continuation: continuation))
    }
  }

  /// Adds a snapshot watcher and sends it the current snapshot, under the state lock.
  fileprivate func addWatcher(_ continuation: AsyncStream<TandemConfigSnapshot>.Continuation) -> Int {
    state.withLock { state in
      continuation.yield(state.snapshot)
      return state.watchers.add(continuation)
    }
  }

  fileprivate func removeWatcher(_ id: Int) {
    state.withLock { $0.watchers.remove(id) }
  }
}

extension TandemConfigProvider: ConfigProvider {
  /// The value of `key` in the current snapshot, without reading the documents again.
  public func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
    try currentSnapshot.value(forKey: key, type: type)
  }

  /// Reloads, then returns the value of `key`: another process's committed write is seen.
  public func fetchValue(forKey key: AbsoluteConfigKey, type: ConfigType) async throws -> LookupResult {
    try reload()
    return try value(forKey: key, type: type)
  }

  /// Streams the value of `key`: the current one first, then each change a reload finds.
  nonisolated(nonsending) public func watchValue<Return: ~Copyable>(
    forKey key: AbsoluteConfigKey,
    type: ConfigType,
    updatesHandler:
      nonisolated(nonsending) (
        _ updates: ConfigUpdatesAsyncSequence<Result<LookupResult, any Error>, Never>
      ) async throws -> Return
  ) async throws -> Return {
    let (stream, continuation) = AsyncStream<Result<LookupResult, any Error>>
      .makeStream(bufferingPolicy: .bufferingNewest(1))
    let id = addWatcher(key: key, type: type, continuation)
    defer { removeWatcher(id) }
    return try await updatesHandler(ConfigUpdatesAsyncSequence(stream))
  }

  /// The current snapshot, as a ``TandemConfigSnapshot``.
  public func snapshot() -> any ConfigSnapshot {
    currentSnapshot
  }

  /// Streams snapshots: the current one first, then each one a reload installs.
  nonisolated(nonsending) public func watchSnapshot<Return: ~Copyable>(
    updatesHandler:
      nonisolated(nonsending) (_ updates: ConfigUpdatesAsyncSequence<any ConfigSnapshot, Never>) async throws
      -> Return
  ) async throws -> Return {
    let (stream, continuation) = AsyncStream<TandemConfigSnapshot>.makeStream(
      bufferingPolicy: .bufferingNewest(1))
    let id = addWatcher(continuation)
    defer { removeWatcher(id) }
    return try await updatesHandler(ConfigUpdatesAsyncSequence(stream.map { $0 as any ConfigSnapshot }))
  }
}

extension TandemConfigProvider: CustomStringConvertible {
  /// The provider's name, home and how many values each document holds.
  public var description: String {
    let snapshot = currentSnapshot
    let instanceCount = snapshot.instanceDocument.map { "\($0.count) instance values, " } ?? ""
    return "\(providerName)[\(home.path): \(instanceCount)\(snapshot.sharedDocument.count) shared values]"
  }
}
