/// Runs the built `tandem` executable as a real process: ``BuiltProduct/tandem``, under the
/// names the end-to-end tests use.
public enum TandemBinary {
  /// What a finished process printed and how it ended.
  public typealias Result = BuiltProduct.Result
  /// A started process.
  public typealias Running = BuiltProduct.Running

  /// The executable: `TANDEM_BIN` if set, else `tandem` beside the test bundle.
  public static var path: String { BuiltProduct.tandem.path }

  /// Starts `tandem` with `arguments`; the tools' variables of the test process are cleared
  /// first, then `environment` is applied.
  public static func start(_ arguments: [String], environment: [String: String] = [:], input: String? = nil)
    throws
    -> Running
  {
    try BuiltProduct.tandem.start(arguments, environment: environment, input: input)
  }

  /// Starts any program.
  public static func startProgram(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:]
  ) throws
    -> Running
  {
    try BuiltProduct.startProgram(executable, arguments, environment: environment)
  }

  /// Runs `tandem` to the end.
  @discardableResult
  public static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil)
    throws
    -> Result
  {
    try BuiltProduct.tandem.run(arguments, environment: environment, input: input)
  }

  /// Runs several `tandem` processes at the same moment and waits for all.
  public static func runTogether(_ invocations: [[String]], environment: [String: String] = [:]) throws
    -> [Result]
  {
    try BuiltProduct.tandem.runTogether(invocations, environment: environment)
  }

  /// Runs `tandem` to the end with its standard output on a pseudo-terminal (through
  /// python3's `os.openpty`); what the terminal received, with the line discipline's `\r\n`
  /// turned back into `\n`. Standard error is a pipe, as usual.
  public static func runOnTerminal(_ arguments: [String], environment: [String: String] = [:]) throws
    -> Result
  {
    let script = """
      import os, subprocess, sys
      master, slave = os.openpty()
      p = subprocess.run(sys.argv[1:], stdout=slave, stderr=subprocess.PIPE)
      os.close(slave)
      data = b""
      while True:
          try:
              chunk = os.read(master, 65536)
          except OSError:
              break
          if not chunk:
              break
          data += chunk
      sys.stdout.buffer.write(data.replace(b"\\r\\n", b"\\n"))
      sys.stderr.buffer.write(p.stderr)
      sys.exit(p.returncode)
      """
    return try startProgram(
      "/usr/bin/env", ["python3", "-c", script, path] + arguments, environment: environment
    )
    .wait()
  }
}
