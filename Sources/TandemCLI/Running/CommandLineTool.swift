public import ArgumentParser
public import TandemState

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
  public struct Response: Sendable {
    /// The status the process exits with.
    public var exitStatus: ExitStatus
    /// What goes to standard output: the result, or the one JSON envelope.
    public var standardOutput: String
    /// What goes to standard error: warnings, and in text mode the error line.
    public var standardError: String
    /// The format the response is in; says what a failed write of standard output lost.
    public var format: OutputFormat = .text
    /// For a failure in JSON mode: its text line, for standard error in case the envelope
    /// cannot be written to standard output.
    var failureLine: String? = nil
  }

  /// Runs `root` with the process's arguments, prints, and exits.
  ///
  /// - Parameter fastRoutes: hand-parsed routes for hot commands; see ``FastRoute``.
  public static func main<Root: ParsableCommand>(_ root: Root.Type, fastRoutes: [FastRoute] = []) -> Never {
    let start = SystemClock.monotonicMilliseconds()
    // A SIGINT, SIGTERM or SIGHUP during a lock wait then ends in an envelope (INTERRUPTED,
    // exit 128 + signal) rather than a silent death. Installs nothing until a wait blocks.
    WaitInterruption.enable()
    let arguments: [String]
    do {
      arguments = try validatedArguments()
    } catch {
      let raw = (try? GlobalOptions.extract(from: Array(CommandLine.arguments.dropFirst())).0) ?? .init()
      let format = GlobalOptions.outputFormat(raw, environment: Environment.snapshot())
      emit(respond(failure: error, format: format, instanceID: nil, command: nil, start: start, warnings: []))
    }
    emit(
      invoke(
        root, arguments: arguments, environment: Environment.snapshot(), fastRoutes: fastRoutes, start: start,
        standardOutputIsTerminal: isatty(STDOUT_FILENO) == 1)
    )
  }

  /// Runs `root` with `arguments` and returns what it would print, without exiting.
  ///
  /// - Parameter standardOutputIsTerminal: whether the text goes to a terminal, where a
  ///   ``CommandOutput/value(_:data:)`` result is printed escaped rather than exactly.
  public static func invoke<Root: ParsableCommand>(
    _ root: Root.Type, arguments: [String], environment: [String: String], fastRoutes: [FastRoute] = [],
    start: Int64 = SystemClock.monotonicMilliseconds(), standardOutputIsTerminal: Bool = false
  ) -> Response {
    let toolName = Root.configuration.commandName ?? "tool"
    let raw: GlobalOptions.Raw
    let rest: [String]
    do {
      (raw, rest) = try GlobalOptions.extract(from: arguments)
    } catch {
      // The one refusal is a global option without its value, at the very end: the options
      // before it (or TANDEM_OUTPUT) still say which format the caller asked for.
      let before = (try? GlobalOptions.extract(from: Array(arguments.dropLast())).0) ?? .init()
      return respond(
        failure: error, format: GlobalOptions.outputFormat(before, environment: environment), instanceID: nil,
        command: nil, start: start, warnings: [])
    }
    let format = GlobalOptions.outputFormat(raw, environment: environment)

    // TANDEM_FAST_PATH=0 sends everything through swift-argument-parser (for diagnosis, and
    // for the tests that check both paths agree).
    let routes = environment["TANDEM_FAST_PATH"] == "0" ? [] : fastRoutes
    for route in routes {
      guard let arguments = route.match(rest) else { continue }
      let path = route.path.joined(with: " ")
      guard let options = try? GlobalOptions.resolve(raw, environment: environment) else { break }
      let context = CommandContext(
        options: options, toolName: toolName, commandPath: path, explicitGlobals: raw)
      do {
        let output = try route.run(arguments, context)
        return respond(
          output: output, context: context, format: format, start: start, terminal: standardOutputIsTerminal)
      } catch is FastRoute.Declined {
        break
      } catch {
        return respond(
          failure: error, format: format, instanceID: options.instanceID?.rawValue, command: path,
          start: start,
          warnings: context.warnings)
      }
    }

    var parsed: any ParsableCommand
    do {
      parsed = try Root.parseAsRoot(rest)
    } catch {
      return parseFailure(Root.self, error, arguments: rest, format: format, start: start)
    }
    let path = commandPath(of: type(of: parsed), in: Root.self)

    let options: GlobalOptions
    do {
      options = try GlobalOptions.resolve(raw, environment: environment)
    } catch {
      return respond(
        failure: error, format: format, instanceID: nil, command: path, start: start, warnings: [])
    }

    guard let command = parsed as? any TandemCommand else {
      do {
        try parsed.run()
        return Response(exitStatus: .success, standardOutput: "", standardError: "")
      } catch {
        return parseFailure(Root.self, error, arguments: rest, format: format, start: start)
      }
    }
    let context = CommandContext(
      options: options, toolName: toolName, commandPath: path, explicitGlobals: raw)
    do {
      return respond(
        output: try command.execute(in: context), context: context, format: format, start: start,
        terminal: standardOutputIsTerminal)
    } catch {
      return respond(
        failure: error, format: format, instanceID: options.instanceID?.rawValue, command: path, start: start,
        warnings: context.warnings)
    }
  }

  /// Builds the response for a command's result; `terminal` tells whether standard output
  /// is a terminal.
  static func respond(
    output: CommandOutput, context: CommandContext, format: OutputFormat, start: Int64, terminal: Bool
  ) -> Response {
    switch format {
    case .json:
      let meta = ResponseEnvelope.meta(
        durationMilliseconds: SystemClock.monotonicMilliseconds() - start,
        instanceID: context.options.instanceID?.rawValue, command: context.commandPath)
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
        text = output.text.isEmpty || output.text.hasSuffix("\n") ? output.text : output.text + "\n"
      }
      let warnings = context.warnings.map { "warning: \(TextEscaping.escape($0))\n" }.joined(with: "")
      return Response(exitStatus: .success, standardOutput: text, standardError: warnings)
    }
  }

  /// Builds the response for any error a command threw.
  static func respond(
    failure error: any Error, format: OutputFormat, instanceID: String?, command: String?, start: Int64,
    warnings: [String]
  ) -> Response {
    var failure: CommandFailure
    switch error {
    case let error as CommandFailure: failure = error
    case let error as StateError: failure = CommandFailure(error)
    default:
      failure = CommandFailure(code: "INTERNAL_ERROR", exitCode: .generalError, message: "\(error)")
    }
    if failure.code == StateError.Code.interrupted.rawValue, let signal = WaitInterruption.interruptingSignal
    {
      // The conventional status of a process ended by that signal.
      failure.exitCode = ExitStatus(128 + signal, name: "INTERRUPTED")
      failure.details.append(("signal", .string(WaitInterruption.name(of: signal))))
    }
    switch format {
    case .json:
      let meta = ResponseEnvelope.meta(
        durationMilliseconds: SystemClock.monotonicMilliseconds() - start, instanceID: instanceID,
        command: command)
      let envelope = ResponseEnvelope.failure(failure, warnings: warnings, meta: meta)
      return Response(
        exitStatus: failure.exitCode, standardOutput: JSONWriter.compact(envelope) + "\n", standardError: "",
        format: .json, failureLine: failure.textLine)
    case .text:
      let lines =
        warnings.map { "warning: \(TextEscaping.escape($0))\n" }.joined(with: "") + failure.textLine + "\n"
      return Response(exitStatus: failure.exitCode, standardOutput: "", standardError: lines)
    }
  }

  /// Help and version requests print text and exit 0; anything else is a usage error (2).
  /// Help that was not asked for (a command group without its subcommand) is, in JSON mode,
  /// the `help` member of a success envelope: JSON mode prints one JSON document.
  private static func parseFailure<Root: ParsableCommand>(
    _ root: Root.Type, _ error: any Error, arguments: [String], format: OutputFormat, start: Int64
  ) -> Response {
    if Root.exitCode(for: error) == .success {
      let text = Root.fullMessage(for: error)
      if format == .json && !asksForText(arguments) {
        let meta = ResponseEnvelope.meta(
          durationMilliseconds: SystemClock.monotonicMilliseconds() - start, instanceID: nil, command: nil)
        let envelope = ResponseEnvelope.success(
          data: .object([("help", .string(text))]), warnings: [], meta: meta)
        return Response(
          exitStatus: .success, standardOutput: JSONWriter.compact(envelope) + "\n", standardError: "")
      }
      return Response(
        exitStatus: .success, standardOutput: text.hasSuffix("\n") ? text : text + "\n", standardError: "")
    }
    var failure = CommandFailure.usage(Root.message(for: error))
    failure.fixRequired =
      "correct the command line; run \(Root.configuration.commandName ?? "the tool") --help for usage"
    return respond(
      failure: failure, format: format, instanceID: nil, command: nil, start: start, warnings: [])
  }

  /// Whether the command line itself asks for help or the version, which stay text.
  private static func asksForText(_ arguments: [String]) -> Bool {
    arguments.first == "help"
      || arguments.contains {
        $0 == "-h" || $0 == "--help" || $0 == "--version" || $0 == "--experimental-dump-help"
          || $0.hasPrefix("--generate-completion-script")
      }
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
  public static func emit(_ response: Response) -> Never {
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
  public static func writeAll(_ text: String, to fd: Int32) -> SystemCallError? {
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
