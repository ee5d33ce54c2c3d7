import TandemCLI
import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// What the `auth` commands share: which account, which refresher, how errors read.
enum AuthSupport {
  /// The account to act on and where the choice came from.
  static func account(_ explicit: String?, in context: CommandContext) throws -> (
    name: String, origin: ActiveAccount.Origin
  ) {
    if let explicit { try InstanceID.validateName(explicit, kind: "account name") }
    return try activeAccount(in: context).resolve(explicit: explicit)
  }

  /// This namespace's active-account choice, in the invocation's store: the home's files,
  /// or the store a URL names (`--store`), whose choices every host that uses it shares.
  static func activeAccount(in context: CommandContext) throws -> ActiveAccount {
    let home = context.options.home
    let namespace = context.options.namespace
    guard !context.usesFileStore else { return ActiveAccount(home: home, namespace: namespace) }
    return ActiveAccount(backend: try context.backend(), home: home, namespace: namespace)
  }

  /// The invocation's accounts: the home's (`credentials/`), or those of the store a URL
  /// names, shared by every host that uses it.
  static func credentials(in context: CommandContext) throws -> any CredentialStoring {
    guard !context.usesFileStore else { return CredentialStore(home: context.options.home) }
    return try context.backend().credentialStore()
  }

  /// The built-in refresher for an account's source.
  static func refresher(for source: CredentialSource, context: CommandContext) -> any TokenRefresher {
    switch source {
    case .oauth: return OAuthRefresher(environment: { Environment.value($0) })
    case .command: return CommandRefresher(tool: context.tool)
    }
  }

  /// What `auth token` and `auth refresh` ask of the store. (An enum, not a protocol: each
  /// conformance would be one more record that every type check of the process scans.)
  enum TokenCall {
    /// A token valid for at least this long (`auth token`).
    case token(minimumValidity: Duration)
    /// The 401 recovery step (`auth refresh`).
    case refresh(ifGeneration: UInt64?)
  }

  /// Runs a token call on the resolved account with its built-in refresher, and reports the
  /// token. On the home's files the store's concrete type is used (`auth token` runs on
  /// every use of a token), on another store the one the URL names.
  static func withTokenStore(_ explicit: String?, in context: CommandContext, _ call: TokenCall) throws
    -> CommandOutput
  {
    if context.usesFileStore {
      return try report(call, on: CredentialStore(home: context.options.home), explicit, in: context)
    }
    return try report(call, on: context.backend().credentialStore(), explicit, in: context)
  }

  private static func report<Store: CredentialStoring>(
    _ call: TokenCall, on store: Store, _ explicit: String?, in context: CommandContext
  ) throws -> CommandOutput {
    let name = try account(explicit, in: context).name
    let record = try store.record(name)
    let refresher = refresher(for: record.source, context: context)
    let intent = context.intent("--account \(name)")
    let result: AccountToken
    switch call {
    case .token(let minimumValidity):
      result = try store.token(
        account: name, minimumValidity: minimumValidity, timeout: context.options.lockTimeout, intent: intent,
        refresher: refresher)
    case .refresh(let generation):
      result = try store.refresh(
        account: name, ifGeneration: generation, timeout: context.options.lockTimeout, intent: intent,
        refresher: refresher)
    }
    let report = TokenReport(result, path: store.path(of: name))
    // Exact when captured (`$(tandem auth token)`), escaped on a terminal.
    return try report.output(storedValue: report.accessToken)
  }

  /// The most `auth login` reads from standard input: a refresh token of at most
  /// ``CredentialLimits/maximumTokenBytes`` (64 KiB), white space included.
  static let standardInputLimit = CredentialLimits.maximumTokenBytes
  /// How long `auth login` waits for standard input to end, unless `--stdin-timeout` says.
  static let defaultStandardInputTimeout = "30s"

  /// Reads a secret from standard input until it ends, refusing a terminal (nothing may wait
  /// for a person), more than ``standardInputLimit`` bytes (never part of a secret) and an
  /// input that does not end within `timeoutMilliseconds` (an open pipe nobody closes).
  ///
  /// Nothing there (a terminal, no standard input, an input that ends holding only white
  /// space) is ``StateError/Code/inputMissing`` at once: a closed or empty input is known
  /// to be empty without waiting for the timeout.
  static func readSecretFromStandardInput(what: String, timeoutMilliseconds: Int64, option: String) throws
    -> String
  {
    guard isatty(STDIN_FILENO) == 0 else {
      throw missingInput(
        what, "standard input is a terminal, and nothing waits for a person to type a secret")
    }
    let limit = standardInputLimit
    // At most an hour (as LockTimeout's parser gives), so the sum cannot overflow.
    let deadline = SystemClock.monotonicMilliseconds() + min(max(0, timeoutMilliseconds), 3_600_000)
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16_384)
    reading: while true {
      let remaining = deadline - SystemClock.monotonicMilliseconds()
      var entry = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
      let ready = poll(&entry, 1, Int32(clamping: max(0, min(remaining, 1000))))
      if ready < 0 && errno == EINTR { continue }
      if ready < 0 || entry.revents & Int16(POLLNVAL) != 0 {
        throw missingInput(what, "there is no standard input (it is closed)")
      }
      if ready == 0 {
        guard remaining > 0 else {
          var error = StateError(
            .inputTimeout,
            "standard input did not end within \(LockTimeout(milliseconds: timeoutMilliseconds)) "
              + "(\(bytes.count) bytes read): the \(what) is read up to the end of input, and the pipe was "
              + "never closed; nothing was stored")
          error.fixRequired =
            "close standard input after the \(what) (e.g. printf '%s\\n' \"$TOKEN\" | tandem auth login ...), "
            + "or allow longer with \(option)"
          throw error
        }
        continue
      }
      let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress!, $0.count) }
      if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
      if count < 0 {
        throw StateError(
          .ioError, "cannot read the \(what) from standard input (errno \(errno)); nothing was stored")
      }
      if count == 0 { break reading }
      bytes += buffer[0..<count]
      if bytes.count > limit {
        var error = StateError(
          .limitExceeded,
          "standard input holds more than \(limit) bytes: a \(what) is at most \(limit) bytes (64 KiB), and "
            + "part of a secret is never accepted; nothing was stored")
        error.fixRequired = "pipe only the \(what), once"
        throw error
      }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw CommandFailure.usage("the \(what) on standard input is not valid UTF-8")
    }
    let trimmed = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == " " || $0 == "\t" })
    if trimmed.isEmpty {
      // An unset variable piped in (`echo "$TOKEN" |`) gives a lone newline: as empty as no input.
      throw missingInput(
        what,
        bytes.isEmpty
          ? "standard input was empty (it ended at once, 0 bytes)"
          : "standard input held only white space (\(bytes.count) bytes)")
    }
    guard trimmed.count == 1 else {
      throw CommandFailure.usage("expected exactly one \(what) on standard input, got \(trimmed.count) words")
    }
    return String(trimmed[0])
  }

  /// ``StateError/Code/inputMissing``: the secret must come on standard input, and none did.
  private static func missingInput(_ what: String, _ why: String) -> StateError {
    var error = StateError(
      .inputMissing, "no \(what) on standard input: \(why); nothing was stored")
    error.fixRequired =
      "a \(what) must come on standard input (it is never taken from the command line): redirect it from a "
      + "file or pipe it in"
    return error
  }
}
