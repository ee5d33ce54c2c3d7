public import ArgumentParser
public import TandemState

/// A command that reports through the Tandem contract: it returns its result (or throws)
/// and ``CommandLineTool`` prints the text or the JSON envelope and picks the exit code.
///
/// ```swift
/// struct Get: TandemCommand {
///   @Argument var key: String
///
///   struct Value: CommandResult {
///     var key: String
///     var value: String?
///     var text: String? { value ?? "" }
///   }
///
///   func execute(in context: CommandContext) throws -> Value {
///     let document = try ConfigStore(home: context.options.home).read()
///     return Value(key: key, value: document[key])
///   }
/// }
/// ```
public protocol TandemCommand: ParsableCommand {
  /// What the command returns: any ``CommandResult``, or a ``CommandOutput`` built by hand.
  associatedtype Result: CommandResult
  /// Runs the command. Throw ``CommandFailure`` or `StateError` to fail; any other error is
  /// reported as `INTERNAL_ERROR` (exit 1), never as a usage error.
  func execute(in context: CommandContext) throws -> Result
}

/// A ``TandemCommand`` whose work is asynchronous. It runs on the concurrency runtime, which
/// ``CommandLineTool`` starts only for such commands, so that synchronous commands keep
/// their start-up cost.
public protocol AsyncTandemCommand: AsyncParsableCommand {
  /// What the command returns.
  associatedtype Result: CommandResult
  /// Runs the command; see ``TandemCommand/execute(in:)``.
  func execute(in context: CommandContext) async throws -> Result
}

extension AsyncTandemCommand {
  /// Not used: ``CommandLineTool`` calls ``execute(in:)``.
  public func run() async throws {}
}

/// A result built by hand: its JSON data and its text, for commands that need exact control
/// (and for the hot paths, where it skips the encoder).
public struct CommandOutput: Sendable {
  /// The envelope's `data`: an object or an array.
  public var data: JSONValue
  /// What text mode prints on standard output (a newline is added when missing).
  ///
  /// Pass stored data (keys, values, ids, paths, commands) through
  /// ``TextEscaping/escape(_:)``, so that it can neither forge lines nor send control
  /// characters to a terminal.
  public var textRendering: String
  /// For ``value(_:data:)`` results: the one stored value that text mode prints.
  package private(set) var exactValue: String?

  /// A result with its JSON data and its text rendering.
  public init(data: JSONValue, text: String) {
    self.data = data
    self.textRendering = text
  }

  /// A result whose text is one stored value, as `config get` prints it: the value exactly,
  /// followed by one newline, when standard output is a file or a pipe (so that
  /// `$(tool get k)` is the value itself, backslashes and all); escaped with
  /// ``TextEscaping/escape(_:)`` when it is a terminal, where control characters would
  /// act on the terminal. JSON mode prints `data`, exact as always.
  public static func value(_ value: String, data: JSONValue) -> CommandOutput {
    var output = CommandOutput(data: data, text: value)
    output.exactValue = value
    return output
  }
}

/// What a command gets from the tool: the resolved global options, the tool's identity and
/// a place for warnings.
public final class CommandContext {
  /// The global options, resolved from flags, environment and defaults.
  public let options: GlobalOptions
  /// The tool's identity.
  public let tool: ToolIdentity
  /// The names of the tool's global options.
  public let optionNames: GlobalOptionNames
  /// The subcommand path, e.g. `config set`.
  public let commandPath: String
  /// Non-fatal diagnostics for the envelope's `warnings`.
  public private(set) var warnings: [String] = []
  /// The global flags given explicitly, to repeat in suggested commands.
  package let explicitGlobals: GlobalOptions.Raw
  /// The tool's advice for remedies.
  let advice: (Remedy, CommandContext) -> RemedyAdvice?
  /// Whether standard output is a terminal: text for a person (a list under a header,
  /// ``TextTable``) rather than for a pipe or a file. Always `false` in JSON mode.
  public let standardOutputIsTerminal: Bool
  /// The stores the tool's entry point was given (``StoreProvider``), made when asked for.
  let stores: @Sendable () -> [any StoreProvider]
  /// Where the invocation reads its environment.
  let environment: EnvironmentLookup
  /// The backend a provider made, once ``backend()`` has asked for it: one per invocation.
  /// (In a box: an optional existential would make the runtime build its type at every
  /// start, for the home's files too.)
  private var madeBackend: MadeBackend?

  /// A backend made by a provider.
  private final class MadeBackend {
    let backend: any StateBackend
    init(_ backend: any StateBackend) { self.backend = backend }
  }

  init(
    options: GlobalOptions, tool: ToolIdentity, optionNames: GlobalOptionNames, commandPath: String,
    explicitGlobals: GlobalOptions.Raw, advice: @escaping (Remedy, CommandContext) -> RemedyAdvice?,
    standardOutputIsTerminal: Bool = false, stores: @escaping @Sendable () -> [any StoreProvider] = { [] },
    environment: EnvironmentLookup = .process
  ) {
    self.standardOutputIsTerminal = standardOutputIsTerminal
    self.options = options
    self.tool = tool
    self.optionNames = optionNames
    self.commandPath = commandPath
    self.explicitGlobals = explicitGlobals
    self.advice = advice
    self.stores = stores
    self.environment = environment
  }

  /// Whether state is kept in the home's files: no store URL was given (``GlobalOptions/store``).
  public var usesFileStore: Bool { options.store == nil }

  /// Where this invocation's state is: the home's files (`FileBackend`) when no store URL
  /// was given, else the backend that the ``StoreProvider`` of the URL's scheme makes. Made
  /// once per invocation; later calls return the same backend.
  ///
  /// Throws `INVALID_ARGUMENT` (exit 2) for a URL whose scheme no provider serves, naming the
  /// schemes this build serves, and the provider's own errors (an invalid URL, a server that
  /// cannot be reached) as the ``ErrorCatalog`` reports them.
  public func backend() throws(CommandFailure) -> any StateBackend {
    guard let url = options.store else { return FileBackend(home: options.home) }
    if let madeBackend { return madeBackend.backend }
    let provider = try storeProvider(for: url)
    do {
      let made = try provider.backend(
        url: url, home: options.home, tool: tool, environment: environment.allVariables())
      madeBackend = MadeBackend(made)
      return made
    } catch {
      throw failure(error)
    }
  }

  /// The configuration document of `namespace` in this invocation's store: ``backend()``'s
  /// `store(namespace)`, made directly for the home's files (a `ConfigStore`), so that the
  /// commonest commands do not pay, at every start, for the runtime's look-ups through the
  /// backend's existential. Throws as ``backend()`` does.
  public func configStore(_ namespace: Namespace) throws(CommandFailure) -> any RevisionedDocumentStore {
    guard options.store != nil else { return ConfigStore(home: options.home, namespace: namespace) }
    return try backend().store(namespace)
  }

  /// The configuration as this invocation's instance sees it (``GlobalOptions/namespace``)
  /// in this invocation's store, made directly for the home's files as ``configStore(_:)``
  /// is. Throws as ``backend()`` does.
  public func layeredConfig() throws(CommandFailure) -> LayeredConfig {
    guard options.store != nil else { return LayeredConfig(home: options.home, namespace: options.namespace) }
    return LayeredConfig(backend: try backend(), namespace: options.namespace)
  }

  /// For a command whose state is kept only in the home's files: throws `INVALID_ARGUMENT`
  /// (exit 2) when a store URL was given, saying that this command does not use it, with
  /// `reason` (the tool's words on what the store does serve) after. A URL that no provider
  /// serves is refused as ``backend()`` refuses it.
  public func requireFileStore(_ reason: String? = nil) throws(CommandFailure) {
    guard let url = options.store else { return }
    _ = try storeProvider(for: url)
    let given = GlobalOptions.given(.store, explicitGlobals, environment, tool, optionNames)
    let place = given?.place ?? optionNames.flag(.store)
    let scheme = StoreURL.scheme(of: url) ?? ""
    var failure = CommandFailure.usage(
      "\(toolName) \(commandPath) keeps its state in the home's files only, not in the \(scheme) store given in "
        + place + (reason.map { ": " + $0 } ?? ""))
    let flag = optionNames.flag(.store)
    failure.fixRequired =
      given.map { $0.fromFlag ? "leave \(flag) out" : "unset \($0.variable), or pass \(flag) \"\"" }
      ?? "leave \(flag) out"
    failure.details.append(("scheme", .string(scheme)))
    throw failure
  }

  /// The provider of `url`'s scheme, or the failure that names the schemes served.
  private func storeProvider(for url: String) throws(CommandFailure) -> any StoreProvider {
    let stores = stores()
    if let scheme = StoreURL.scheme(of: url), let provider = StoreURL.provider(for: scheme, among: stores) {
      return provider
    }
    throw StoreURL.unserved(
      url, given: GlobalOptions.given(.store, explicitGlobals, environment, tool, optionNames),
      stores: stores,
      tool: tool, names: optionNames)
  }

  /// The tool's name, e.g. `tandem`.
  public var toolName: String { tool.name }

  /// `error` as the envelope reports it, its remedy said in this tool's words: what
  /// ``CommandLineTool`` does with a `StateError` a command throws. For commands that add
  /// details of their own before throwing.
  public func failure(_ error: StateError) -> CommandFailure {
    CommandFailure(error, tool: tool, names: optionNames, context: self)
  }

  /// Adds a warning.
  public func warn(_ message: String) { warnings.append(message) }

  /// Where the rest of a list continues, when the result is one page of it.
  public private(set) var continuation: String?

  /// Marks the result as one page of a longer list: in JSON mode the envelope's
  /// `meta.truncated` is `true` and `meta.cursor` is `cursor`, which the caller passes back
  /// (e.g. as `--cursor`) for the next page. Not called for the last page.
  public func reportTruncated(cursor: String) { continuation = cursor }

  /// A lock intent describing this command; `detail` must never contain secrets.
  public func intent(_ detail: String? = nil) -> LockIntent {
    var command = "\(toolName) \(commandPath)"
    if let detail, !detail.isEmpty { command += " " + detail }
    return LockIntent(instanceID: options.instanceID?.rawValue, command: command)
  }

  /// A command line of this tool that can be run verbatim: the words given, plus the global
  /// flags the caller gave (home, instance id, lock timeout, output), so that it acts on the
  /// same state and answers in the same format. Values from environment variables are not
  /// repeated: the caller's environment still holds them.
  public func commandLine(_ words: String...) -> String {
    commandLine(words)
  }

  /// ``commandLine(_:)-(String...)`` for a list of words.
  public func commandLine(_ words: [String]) -> String {
    var parts = [toolName] + words
    // The home as resolved: a `~` that no shell expanded has been expanded.
    if explicitGlobals.home != nil { parts += [optionNames.flag(.home), options.home.path] }
    if let id = options.instanceID, explicitGlobals.instanceID != nil {
      parts += [optionNames.flag(.instanceID), id.rawValue]
    }
    if let timeout = explicitGlobals.lockTimeout { parts += [optionNames.flag(.lockTimeout), timeout] }
    if explicitGlobals.output != nil { parts += [optionNames.flag(.output), options.output.rawValue] }
    if let store = explicitGlobals.store { parts += [optionNames.flag(.store), store] }
    return parts.map(ShellQuoting.quote).joined(with: " ")
  }
}
