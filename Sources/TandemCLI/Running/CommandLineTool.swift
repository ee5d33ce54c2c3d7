import ArgumentParser
import Dispatch
package import TandemState

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Runs a swift-argument-parser command tree under the Tandem contract: global options
/// anywhere, one JSON envelope per invocation in JSON mode, and the CLI Agent Spec exit
/// codes (parse errors exit 2, not 64).
///
/// ```swift
/// @main struct MyTool: ParsableCommand { ... }   // instead, in main.swift:
/// CommandLineTool.main(MyTool.self)
/// ```
public enum CommandLineTool {
  /// What one invocation printed and how it exits.
  package struct Response: Sendable {
    /// The status the process exits with.
    package var exitStatus: ExitStatus
    /// What goes to standard output: the result, or the one JSON envelope.
    package var standardOutput: String
    /// What goes to standard error: warnings, and in text mode the error line.
    package var standardError: String
    /// The format the response is in; says what a failed write of standard output lost.
    package var format: OutputFormat = .text
    /// Which way the command line went: a fast route or swift-argument-parser.
    package var route: Route = .parser
    /// For a failure in JSON mode: its text line, for standard error in case the envelope
    /// cannot be written to standard output.
    var failureLine: String? = nil
  }

  /// Which way a command line was handled.
  package enum Route: Sendable, Equatable {
    /// By the ``FastRoute`` for these command words (e.g. `config set`).
    case fast(String)
    /// By swift-argument-parser.
    case parser
  }

  /// Runs `root` with the process's arguments, prints, and exits.
  ///
  /// Synchronous commands run on the calling thread without starting the concurrency
  /// runtime. An ``AsyncTandemCommand`` (or a plain `AsyncParsableCommand`) runs in a task,
  /// with the main thread serving the main actor until it is done.
  ///
  /// - Parameter root: the tool's root command.
  /// - Parameter stores: the stores a `--store URL` may name besides the home's files, by
  ///   the URL's scheme (``StoreProvider``; ``CommandContext/backend()``). A
  ///   ``StoreExecutable`` among them is handed the whole command line when its scheme is
  ///   given, before anything else is done. The list is made only when a store URL is
  ///   given: a start without one does not pay for it (the runtime makes the type of a list
  ///   of providers on its first use, which costs as much as a small command's own work).
  public static func main<Root: TandemTool>(
    _ root: Root.Type, stores: @autoclosure @escaping @Sendable () -> [any StoreProvider] = []
  ) -> Never {
    let invocation = Invocation(version: Root.configuration.version)
    // A SIGINT, SIGTERM or SIGHUP during a lock wait then ends in an envelope (INTERRUPTED,
    // exit 128 + signal) rather than a silent death. Installs nothing until a wait blocks.
    WaitInterruption.enable()
    let environment = EnvironmentLookup.process
    let arguments: [String]
    do {
      arguments = try validatedArguments()
    } catch {
      let raw =
        (try? GlobalOptions.extract(
          from: Array(CommandLine.arguments.dropFirst()), names: Root.globalOptionNames
        )
        .0) ?? .init()
      let format = GlobalOptions.outputFormat(
        raw, environment: environment, tool: Root.identity, names: Root.globalOptionNames)
      emit(
        respond(
          failure: error, format: format, instanceID: nil, command: nil, invocation: invocation, warnings: [])
      )
    }
    let step = prepare(
      root, arguments: arguments, environment: environment, invocation: invocation,
      standardOutputIsTerminal: isatty(STDOUT_FILENO) == 1, stores: stores, handsOff: true)
    switch step {
    case .finished(let response):
      emit(response)
    case .handOff(let handOff):
      // Returns only when the executable could not be started.
      let failure = StoreHandOff.replaceProcess(
        with: handOff.executable, url: handOff.url, given: handOff.given, tool: Root.identity,
        names: Root.globalOptionNames)
      emit(
        respond(
          failure: failure, format: handOff.format, instanceID: nil, command: nil, invocation: invocation,
          warnings: []))
    case .pending(let work):
      let command = Task { await work.run() }
      AsyncInterruption.cancel(command, on: WaitInterruption.signals)
      Task { emit(await command.value) }
      dispatchMain()
    }
  }

  /// Runs `root` with `arguments` and returns what it would print, without exiting; runs
  /// synchronous and asynchronous commands alike.
  ///
  /// - Parameter standardOutputIsTerminal: whether the text goes to a terminal, where a
  ///   ``CommandOutput/value(_:data:)`` result is printed escaped rather than exactly.
  package static func invoke<Root: TandemTool>(
    _ root: Root.Type, arguments: [String], environment: [String: String],
    invocation: Invocation? = nil, standardOutputIsTerminal: Bool = false,
    stores: @autoclosure @escaping @Sendable () -> [any StoreProvider] = []
  ) async -> Response {
    switch prepare(
      root, arguments: arguments, environment: EnvironmentLookup(environment),
      invocation: invocation ?? Invocation(version: Root.configuration.version),
      standardOutputIsTerminal: standardOutputIsTerminal, stores: stores, handsOff: false)
    {
    case .finished(let response): return response
    case .pending(let work): return await work.run()
    case .handOff: preconditionFailure("prepare(handsOff: false) never hands off")
    }
  }

  /// ``invoke(_:arguments:environment:invocation:standardOutputIsTerminal:)-(_,_,_,_,_)`` for
  /// synchronous callers (a fuzzer, a test without a task): an asynchronous command is not
  /// run, and the response says to call the asynchronous form.
  package static func invoke<Root: TandemTool>(
    _ root: Root.Type, arguments: [String], environment: [String: String],
    invocation: Invocation? = nil, standardOutputIsTerminal: Bool = false,
    stores: @autoclosure @escaping @Sendable () -> [any StoreProvider] = []
  ) -> Response {
    let invocation = invocation ?? Invocation(version: Root.configuration.version)
    switch prepare(
      root, arguments: arguments, environment: EnvironmentLookup(environment), invocation: invocation,
      standardOutputIsTerminal: standardOutputIsTerminal, stores: stores, handsOff: false)
    {
    case .finished(let response):
      return response
    case .handOff: preconditionFailure("prepare(handsOff: false) never hands off")
    case .pending(let work):
      return respond(
        failure: CommandFailure(
          code: "INTERNAL_ERROR", exitCode: .generalError,
          message: "\(work.command) is an asynchronous command: run it with `await CommandLineTool.invoke`"),
        format: work.format, instanceID: nil, command: work.command, invocation: invocation, warnings: [])
    }
  }

  /// What is left to do for an invocation: nothing (the response is ready), an
  /// asynchronous command to run, or the whole command line to hand to another executable.
  enum Step {
    case finished(Response)
    case pending(PendingCommand)
    case handOff(HandOff)
  }

  /// A command line for the ``StoreExecutable`` that serves its store.
  struct HandOff {
    let executable: StoreExecutable
    /// The store URL, as given.
    let url: String?
    /// Where it was given.
    let given: GlobalOptions.Given?
    /// The output format asked for, for the failure when the executable cannot be started.
    let format: OutputFormat
  }

  /// An asynchronous command, parsed and ready to run.
  struct PendingCommand: @unchecked Sendable {
    // `@unchecked`: the parsed command and the context are used by the one task that runs
    // them, after the thread that made them has handed them over.
    let command: String
    let format: OutputFormat
    let body: () async -> Response

    func run() async -> Response { await body() }
  }

  /// Everything up to running the command: global options, fast routes, parsing, and for a
  /// synchronous command the command itself.
  ///
  /// - Parameter handsOff: whether a store served by a ``StoreExecutable`` ends in
  ///   ``Step/handOff(_:)`` (only a process started as the tool can hand its command line
  ///   over; in-process, the executable's ``StoreExecutable/backend(url:home:tool:environment:)``
  ///   refuses).
  static func prepare<Root: TandemTool>(
    _ root: Root.Type, arguments: [String], environment: EnvironmentLookup, invocation: Invocation,
    standardOutputIsTerminal: Bool, stores: @escaping @Sendable () -> [any StoreProvider] = { [] },
    handsOff: Bool = false
  ) -> Step {
    let tool = Root.identity
    let names = Root.globalOptionNames
    // The names are the tool author's constants: checked in debug builds, like the command
    // tree below.
    #if DEBUG
      if let problem = names.problem {
        return .finished(misconfigured(problem, format: .text, invocation: invocation))
      }
    #endif
    let raw: GlobalOptions.Raw
    let rest: [String]
    do {
      (raw, rest) = try GlobalOptions.extract(from: arguments, names: names)
    } catch {
      // The one refusal is a global option without its value, at the very end: the options
      // before it (or the output variable) still say which format the caller asked for.
      let before = (try? GlobalOptions.extract(from: Array(arguments.dropLast()), names: names).0) ?? .init()
      return .finished(
        respond(
          failure: error,
          format: GlobalOptions.outputFormat(before, environment: environment, tool: tool, names: names),
          instanceID: nil, command: nil, invocation: invocation, warnings: []))
    }
    let (format, invalidOutput) = GlobalOptions.output(
      raw, environment: environment, tool: tool, names: names)
    if let failure = invalidOutput {
      // Neither text nor json: an envelope for the program that most likely asked, and the
      // line on standard error for a person. (In a debug build, a command's own `--output`
      // taken for the format is first reported as the tool's mistake, as below.)
      #if DEBUG
        if let problem = OptionCollisions.problem(in: Root.self, names: names) {
          return .finished(misconfigured(problem, format: .text, invocation: invocation))
        }
      #endif
      var response = respond(
        failure: failure, format: .json, instanceID: nil, command: nil, invocation: invocation, warnings: [])
      response.standardError = failure.textLine + "\n"
      return .finished(response)
    }
    // A store served by another executable: that executable answers the whole command line,
    // help and errors included, as this one would (the flag was found above; one variable
    // lookup when it was not given).
    if handsOff,
      let executable = StoreHandOff.executable(
        among: stores, raw: raw, environment: environment, tool: tool, names: names)
    {
      return .handOff(
        HandOff(
          executable: executable,
          url: GlobalOptions.store(raw, environment: environment, tool: tool, names: names),
          given: GlobalOptions.given(.store, raw, environment, tool, names), format: format))
    }
    func context(_ options: GlobalOptions, _ path: String) -> CommandContext {
      CommandContext(
        options: options, tool: tool, optionNames: names, commandPath: path, explicitGlobals: raw,
        advice: Root.advice(for:in:), standardOutputIsTerminal: standardOutputIsTerminal && format == .text,
        stores: stores, environment: environment)
    }
    func failed(_ error: any Error, _ context: CommandContext?, command: String?) -> Response {
      respond(
        failure: wordedFailure(error, tool: tool, names: names, context: context), format: format,
        instanceID: context?.options.instanceID?.rawValue, command: command, invocation: invocation,
        warnings: context?.warnings ?? [])
    }

    if ManifestCommand.isCalled(by: rest, root: Root.self) {
      return .finished(
        ManifestCommand.respond(Root.self, arguments: rest, format: format, invocation: invocation))
    }

    // PREFIX_FAST_PATH=0 sends everything through swift-argument-parser (for diagnosis, and
    // for the tests that check both paths agree).
    let routes = environment[tool.environmentVariable("FAST_PATH")] == "0" ? [] : Root.fastRoutes
    for route in routes {
      guard let parsedArguments = route.match(rest) else { continue }
      let path = route.path.joined(with: " ")
      guard let options = try? GlobalOptions.resolve(raw, environment: environment, tool: tool, names: names)
      else { break }
      let context = context(options, path)
      do {
        let output = try route.run(parsedArguments, context)
        var response = respond(
          output: output, context: context, format: format, invocation: invocation,
          terminal: standardOutputIsTerminal)
        response.route = .fast(path)
        return .finished(response)
      } catch is FastRoute.Declined {
        break
      } catch {
        var response = failed(error, context, command: path)
        response.route = .fast(path)
        return .finished(response)
      }
    }

    // A tool whose own options carry a global option's name would never see their values: a
    // global option takes the value, and the line then fails to parse, or the global option
    // refuses it. In debug builds such a failure first checks the whole command tree, as
    // swift-argument-parser checks its own definitions in debug builds. (Reading its
    // description of the tree costs about 16 million instructions, more than a release
    // build's whole run: docs/benchmarks.md.) A tool's tests call
    // `OptionCollisions.problem(in:names:)`, which finds every collision.
    func misconfiguration() -> Response? {
      #if DEBUG
        if let problem = OptionCollisions.problem(in: Root.self, names: names) {
          return misconfigured(problem, format: format, invocation: invocation)
        }
      #endif
      return nil
    }

    var parsed: any ParsableCommand
    do {
      parsed = try Root.parseAsRoot(rest)
    } catch {
      if let response = misconfiguration() { return .finished(response) }
      return .finished(
        parseFailure(Root.self, error, arguments: rest, format: format, invocation: invocation))
    }
    // swift-argument-parser's own `help` (also what `--help` parses to): it needs no state
    // home, so a missing one must not stand in its way.
    if String(reflecting: type(of: parsed)).hasPrefix("ArgumentParser.") {
      do {
        try parsed.run()
        return .finished(Response(exitStatus: .success, standardOutput: "", standardError: ""))
      } catch {
        return .finished(
          parseFailure(Root.self, error, arguments: rest, format: format, invocation: invocation))
      }
    }
    let path = commandPath(of: type(of: parsed), in: Root.self)

    let options: GlobalOptions
    do {
      options = try GlobalOptions.resolve(raw, environment: environment, tool: tool, names: names)
    } catch {
      if let response = misconfiguration() { return .finished(response) }
      return .finished(failed(error, nil, command: path))
    }
    let commandContext = context(options, path)

    switch parsed {
    case let command as any AsyncTandemCommand:
      return .pending(
        PendingCommand(command: path, format: format) {
          do {
            let result = try await command.execute(in: commandContext)
            return respond(
              result: result, context: commandContext, format: format, invocation: invocation,
              terminal: standardOutputIsTerminal)
          } catch {
            return failed(error, commandContext, command: path)
          }
        })
    case let command as any TandemCommand:
      do {
        let result = try command.execute(in: commandContext)
        return .finished(
          respond(
            result: result, context: commandContext, format: format, invocation: invocation,
            terminal: standardOutputIsTerminal))
      } catch {
        return .finished(failed(error, commandContext, command: path))
      }
    case var command as any AsyncParsableCommand:
      return .pending(
        PendingCommand(command: path, format: format) {
          do {
            try await command.run()
            return Response(exitStatus: .success, standardOutput: "", standardError: "")
          } catch {
            return plainCommandFailure(
              Root.self, error, arguments: rest, format: format, invocation: invocation,
              failed: failed(_:_:command:),
              context: commandContext)
          }
        })
    default:
      do {
        try parsed.run()
        return .finished(Response(exitStatus: .success, standardOutput: "", standardError: ""))
      } catch {
        return .finished(
          plainCommandFailure(
            Root.self, error, arguments: rest, format: format, invocation: invocation,
            failed: failed(_:_:command:),
            context: commandContext))
      }
    }
  }

  /// A plain swift-argument-parser command's error: the parser's own errors (a
  /// `ValidationError`, `CleanExit`, `ExitCode`, the help a command group shows when called
  /// without its subcommand) as the parser means them, every other error through the error
  /// catalog, as for any command (never as a usage error).
  private static func plainCommandFailure<Root: TandemTool>(
    _ root: Root.Type, _ error: any Error, arguments: [String], format: OutputFormat, invocation: Invocation,
    failed: (any Error, CommandContext?, String?) -> Response, context: CommandContext
  ) -> Response {
    switch error {
    case let exit as ExitCode:
      return Response(
        exitStatus: ExitStatus(exit.rawValue, name: "EXIT_\(exit.rawValue)"), standardOutput: "",
        standardError: "")
    case _ where String(reflecting: type(of: error)).hasPrefix("ArgumentParser."):
      return parseFailure(Root.self, error, arguments: arguments, format: format, invocation: invocation)
    default:
      return failed(error, context, context.commandPath)
    }
  }

  /// A state error in the tool's words; other errors as they are.
  static func wordedFailure(
    _ error: any Error, tool: ToolIdentity, names: GlobalOptionNames, context: CommandContext?
  ) -> any Error {
    guard let state = error as? StateError else { return error }
    return CommandFailure(state, tool: tool, names: names, context: context)
  }

  /// The response for a tool whose own definition is wrong (a mistake of its author).
  static func misconfigured(_ problem: String, format: OutputFormat, invocation: Invocation) -> Response {
    var failure = CommandFailure(
      code: "INTERNAL_ERROR", exitCode: .generalError, message: "this tool is misconfigured: \(problem)")
    failure.fixRequired = "the tool's author must fix its definition; nothing was run"
    return respond(
      failure: failure, format: format, instanceID: nil, command: nil, invocation: invocation, warnings: [])
  }

  /// Builds the response for a command's result.
  static func respond<Result: CommandResult>(
    result: Result, context: CommandContext, format: OutputFormat, invocation: Invocation, terminal: Bool
  ) -> Response {
    if let output = result as? CommandOutput {
      return respond(
        output: output, context: context, format: format, invocation: invocation, terminal: terminal)
    }
    do {
      let data = try result.encodedData()
      let output = CommandOutput(data: data, text: result.text ?? TextRendering.render(data))
      return respond(
        output: output, context: context, format: format, invocation: invocation, terminal: terminal)
    } catch {
      return respond(
        failure: CommandFailure(
          code: "INTERNAL_ERROR", exitCode: .generalError,
          message: "the result could not be encoded: \(error)"),
        format: format, instanceID: context.options.instanceID?.rawValue, command: context.commandPath,
        invocation: invocation, warnings: context.warnings)
    }
  }

  /// Builds the response for a command's result; `terminal` tells whether standard output
  /// is a terminal.
  static func respond(
    output: CommandOutput, context: CommandContext, format: OutputFormat, invocation: Invocation,
    terminal: Bool
  ) -> Response {
    switch format {
    case .json:
      var meta = ResponseEnvelope.meta(
        invocation, instanceID: context.options.instanceID?.rawValue, command: context.commandPath)
      if let cursor = context.continuation {
        meta += [("truncated", .bool(true)), ("cursor", .string(cursor))]
      }
      let envelope = ResponseEnvelope.success(data: output.data, warnings: context.warnings, meta: meta)
      return Response(
        exitStatus: .success, standardOutput: JSONWriter.compact(envelope) + "\n", standardError: "",
        format: .json)
    case .text:
      let text: String
      if let value = output.exactValue {
        // One stored value: exact (plus one newline) for `$(tool get k)` and pipes; escaped
        // on a terminal, where its control characters would drive the terminal.
        text = (terminal ? TextEscaping.escape(value) : value) + "\n"
      } else {
        let rendered = output.textRendering
        text = rendered.isEmpty || rendered.hasSuffix("\n") ? rendered : rendered + "\n"
      }
      let warnings = context.warnings.map { "warning: \(TextEscaping.escape($0))\n" }.joined(with: "")
      return Response(exitStatus: .success, standardOutput: text, standardError: warnings)
    }
  }

  /// Builds the response for any error a command threw.
  static func respond(
    failure error: any Error, format: OutputFormat, instanceID: String?, command: String?,
    invocation: Invocation,
    warnings: [String]
  ) -> Response {
    var failure: CommandFailure
    switch error {
    case let error as CommandFailure: failure = error
    case let error as StateError: failure = CommandFailure(error)
    default:
      failure = CommandFailure(code: "INTERNAL_ERROR", exitCode: .generalError, message: "\(error)")
    }
    if failure.code == StateError.Code.cancelled.rawValue, let signal = AsyncInterruption.interruptingSignal {
      // An asynchronous command's task, cancelled because of the signal.
      failure.code = StateError.Code.interrupted.rawValue
      failure.exitCode = ExitStatus(128 + signal, name: "INTERRUPTED")
      failure.retryable = false
      failure.suggestion = "run the command again if it is still wanted"
      failure.details.append(("signal", .string(WaitInterruption.name(of: signal))))
    } else if failure.code == StateError.Code.interrupted.rawValue,
      let signal = WaitInterruption.interruptingSignal
    {
      // The conventional status of a process ended by that signal.
      failure.exitCode = ExitStatus(128 + signal, name: "INTERRUPTED")
      failure.details.append(("signal", .string(WaitInterruption.name(of: signal))))
    }
    switch format {
    case .json:
      let meta = ResponseEnvelope.meta(invocation, instanceID: instanceID, command: command)
      let envelope = ResponseEnvelope.failure(failure, warnings: warnings, meta: meta)
      return Response(
        exitStatus: failure.exitCode, standardOutput: JSONWriter.compact(envelope) + "\n", standardError: "",
        format: .json, failureLine: failure.textLine)
    case .text:
      let lines =
        warnings.map { "warning: \(TextEscaping.escape($0))\n" }.joined(with: "")
        + (failure.isQuietInText ? "" : failure.textLine + "\n")
      return Response(exitStatus: failure.exitCode, standardOutput: "", standardError: lines)
    }
  }

  /// Help and version requests exit 0, with the help or the version as text, or in JSON
  /// mode as the `help` or `version` member of a success envelope (JSON mode prints one JSON
  /// document, whatever was asked). Anything else is a usage error (2), with what the
  /// command line was probably meant to be.
  private static func parseFailure<Root: TandemTool>(
    _ root: Root.Type, _ error: any Error, arguments: [String], format: OutputFormat, invocation: Invocation
  ) -> Response {
    // A completion script with the global options, or the manual page: raw text, in every
    // output mode. Checked only here, where the parser has refused or answered the line.
    if let document = CompletionScript.requested(by: arguments, root: Root.self)
      ?? ManualPage.requested(by: arguments, root: Root.self)
    {
      return Response(
        exitStatus: .success, standardOutput: document.hasSuffix("\n") ? document : document + "\n",
        standardError: "")
    }
    if Root.exitCode(for: error) == .success {
      var text = Root.fullMessage(for: error)
      let isHelp = text.hasPrefix("OVERVIEW:") || text.hasPrefix("USAGE:")
      if isHelp { text = HelpSections.appended(to: text, root: Root.self, arguments: arguments) }
      if format == .json && !asksForRawOutput(arguments) {
        let member = isHelp ? "help" : "version"
        var value = text
        while value.hasSuffix("\n") { value.removeLast() }
        let meta = ResponseEnvelope.meta(invocation, instanceID: nil, command: nil)
        let envelope = ResponseEnvelope.success(
          data: .object([(member, .string(value))]), warnings: [], meta: meta)
        return Response(
          exitStatus: .success, standardOutput: JSONWriter.compact(envelope) + "\n", standardError: "",
          format: .json)
      }
      return Response(
        exitStatus: .success, standardOutput: text.hasSuffix("\n") ? text : text + "\n", standardError: "")
    }
    let failure = usageFailure(Root.self, message: Root.message(for: error), arguments: arguments)
    return respond(
      failure: failure, format: format, instanceID: nil, command: nil, invocation: invocation, warnings: [])
  }

  /// The usage error for a command line swift-argument-parser refused with `message`: an
  /// unknown command gets the closest one, a command that runs another command gets the
  /// `--` it needs.
  static func usageFailure<Root: TandemTool>(_ root: Root.Type, message: String, arguments: [String])
    -> CommandFailure
  {
    let tool = Root.identity.name
    let target = CommandLineAdvice.target(in: Root.self, arguments: arguments)
    let at = ([tool] + target.path).joined(separator: " ")
    var failure = CommandFailure.usage(message)
    failure.fixRequired = "correct the command line; run \(at) --help for usage"
    if let word = target.unmatched, message.contains("'\(word)'") {
      failure.message = "unknown command '\(word)' for '\(at)'"
      if let closest = CommandLineAdvice.closest(to: word, among: target.command) {
        failure.message += "; did you mean '\(closest)'?"
        failure.suggestion = "did you mean `\(at) \(closest)`?"
        failure.details.append(("did_you_mean", .string(closest)))
      } else {
        let names = target.command.configuration.subcommands.map(CommandLineAdvice.name(of:))
        failure.message += "; its commands are: " + names.joined(separator: ", ")
      }
    } else if !arguments.contains("--"),
      message.lowercased().contains("unexpected argument") || message.hasPrefix("Unknown option"),
      CommandLineAdvice.takesCommandAfterTerminator(target.command)
    {
      failure.message = message + "; put the command to run after --"
      // `tool lock run [options] -- CMD ARGS`: the command starts at the first word after the
      // command's own options.
      var start = lastIndexOfPath(target.path, in: arguments)
      let options = CommandLineAdvice.options(of: target.command)
      while start < arguments.count {
        let word = arguments[start]
        if options.valued.contains(word) {
          start += 2
        } else if options.flags.contains(word) || options.valued.contains(where: { word.hasPrefix($0 + "=") })
        {
          start += 1
        } else {
          break
        }
      }
      if start < arguments.count {
        let line = [tool] + arguments[..<start] + ["--"] + arguments[start...]
        failure.fixRequired =
          "put the command to run after --, e.g. " + line.map(ShellQuoting.quote).joined(with: " ")
      } else {
        failure.fixRequired = "put the command to run after --, e.g. \(at) -- COMMAND ARGUMENTS"
      }
    }
    return failure
  }

  /// The index just after the last word of `path` in `arguments`.
  private static func lastIndexOfPath(_ path: [String], in arguments: [String]) -> Int {
    var index = 0
    for word in path {
      guard let found = arguments[index...].firstIndex(of: word) else { break }
      index = found + 1
    }
    return index
  }

  /// Whether the command line asks for output that is not a document: a completion script,
  /// or swift-argument-parser's own JSON description of the tool.
  private static func asksForRawOutput(_ arguments: [String]) -> Bool {
    arguments.contains { $0 == "--experimental-dump-help" || $0.hasPrefix("--generate-completion-script") }
  }

  /// `config set` for the command type `type` within `root`'s tree.
  private static func commandPath<Root: ParsableCommand>(
    of type: any ParsableCommand.Type, in root: Root.Type
  ) -> String {
    func search(_ node: any ParsableCommand.Type, _ trail: [String]) -> [String]? {
      if node == type { return trail }
      for child in node.configuration.subcommands {
        let name = child.configuration.commandName ?? String(describing: child).lowercased()
        if let found = search(child, trail + [name]) { return found }
      }
      return nil
    }
    return search(root, [])?.joined(separator: " ") ?? ""
  }

  /// The process's arguments, refusing any that are not valid UTF-8 (which Swift would
  /// otherwise repair silently, storing something the caller never sent).
  private static func validatedArguments() throws(CommandFailure) -> [String] {
    var result: [String] = []
    for position in 1..<Int(CommandLine.argc) {
      guard let pointer = CommandLine.unsafeArgv[position] else { continue }
      let bytes = UnsafeBufferPointer(
        start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
      guard let text = String(validating: bytes, as: UTF8.self) else {
        throw .usage("argument \(position) is not valid UTF-8")
      }
      result.append(text)
    }
    return result
  }

  /// Writes a response and exits with its status.
  ///
  /// A result that cannot be written to standard output (a full disk, a closed pipe, a
  /// revoked terminal) is a failure: standard error gets a line saying so, and a command
  /// that had succeeded exits 1 (`IO_ERROR`) instead of 0. That line says the command's
  /// effect stands, since a write it made is already committed. A command that had failed
  /// keeps its own exit code, and its error line goes to standard error instead.
  ///
  /// `SIGPIPE` is ignored from here on, so that a reader that went away gives `EPIPE` and
  /// this report rather than a silent death by signal (exit 141 to a shell, a code the spec
  /// reserves). No child is started after this point, so none inherits the setting.
  package static func emit(_ response: Response) -> Never {
    signal(SIGPIPE, SIG_IGN)
    var status = response.exitStatus
    var standardError = response.standardError
    if let failed = writeAll(response.standardOutput, to: STDOUT_FILENO) {
      let line = outputFailureLine(failed, response: response)
      standardError += line.text + "\n"
      status = line.status
    }
    writeAll(standardError, to: STDERR_FILENO)
    exit(status.rawValue)
  }

  /// The error line, and the exit status, for a response whose standard output could not
  /// be written.
  static func outputFailureLine(_ error: SystemCallError, response: Response) -> (
    text: String, status: ExitStatus
  ) {
    let what = response.format == .json ? "its JSON envelope" : "its result"
    let cause = "\(error.reason) (errno \(error.errno))"
    if response.exitStatus == .success {
      let failure = CommandFailure(
        code: StateError.Code.ioError.rawValue, exitCode: .generalError,
        message:
          "the command completed, and any change it made is saved, but \(what) could not be written to standard output: \(cause)"
      )
      return (failure.textLine, .generalError)
    }
    let original =
      response.failureLine.map { line in
        ": " + (line.hasPrefix("error: ") ? String(line.dropFirst("error: ".count)) : line)
      } ?? ""
    return (
      "error: \(what) could not be written to standard output: \(cause); the command had failed\(original)",
      response.exitStatus
    )
  }

  /// Writes all of `text` to a descriptor, unbuffered, so nothing is lost at `exit`.
  ///
  /// - Returns: `nil` when everything was written, else the error of the `write` that failed
  ///   (what came before it may have been written).
  @discardableResult
  package static func writeAll(_ text: String, to fd: Int32) -> SystemCallError? {
    guard !text.isEmpty else { return nil }
    var copy = text
    return copy.withUTF8 { buffer -> SystemCallError? in
      var offset = 0
      while offset < buffer.count {
        let count = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        if count < 0 && errno == EINTR { continue }
        // write(2) returns 0 only for a zero-byte request; treat it as an I/O error rather
        // than loop forever.
        if count <= 0 { return SystemCallError("write", errno: count < 0 ? errno : EIO) }
        offset += count
      }
      return nil
    }
  }
}
