import Foundation
import Synchronization
import TandemCLI
import TandemState

/// The `tandem` binary that every tool call runs, one process per call.
///
/// The server keeps nothing between calls: each call is a `tandem --output json` process
/// that takes the same locks as any other, so several servers and any number of command-line
/// callers stay consistent. Global settings come from the server's environment, which each
/// process inherits (`TANDEM_HOME`, `TANDEM_INSTANCE_ID`, `TANDEM_LOCK_TIMEOUT`), unless a
/// call gives them as arguments.
struct TandemExecutable: Sendable {
  /// The binary: a path, or a name searched in `PATH`.
  let path: String

  /// `TANDEM_BIN` if set; else `tandem` beside `serverExecutable` (an installation puts both
  /// in one directory); else `tandem`, searched in `PATH`.
  static func locate(environment: [String: String], serverExecutable: String?) -> TandemExecutable {
    if let explicit = environment["TANDEM_BIN"], !explicit.isEmpty { return TandemExecutable(path: explicit) }
    if let server = serverExecutable {
      let beside = URL(fileURLWithPath: server).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("tandem").path
      if FileManager.default.isExecutableFile(atPath: beside) { return TandemExecutable(path: beside) }
    }
    return TandemExecutable(path: "tandem")
  }

  /// Runs `tandem` with `arguments` to its end, on a thread of its own (the wait blocks, and
  /// must not hold one of the few threads of Swift's cooperative pool).
  ///
  /// If the calling task is cancelled (the client cancelled the request), the process gets
  /// `SIGTERM`, which `tandem` answers like a Ctrl-C: a lock wait ends, and a write either
  /// happened whole or not at all.
  ///
  /// - Throws: a failure for a binary that cannot be started.
  func run(_ arguments: [String]) async throws(CommandFailure) -> CapturedProcess.Result {
    let control = RunControl()
    let outcome: Result<CapturedProcess.Result, CommandFailure> = await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        Thread {
          let started: CapturedProcess.Started
          do throws(StateError) {
            started = try CapturedProcess.start([path] + arguments)
          } catch {
            continuation.resume(returning: .failure(CommandFailure(error)))
            return
          }
          let cancelled = control.state.withLock { state in
            state.pid = started.pid
            return state.cancelled
          }
          if cancelled { _ = kill(-started.pid, SIGTERM) }
          let result = started.wait()
          control.state.withLock { $0.pid = nil }
          continuation.resume(returning: .success(result))
        }.start()
      }
    } onCancel: {
      let pid = control.state.withLock { state in
        state.cancelled = true
        return state.pid
      }
      if let pid { _ = kill(-pid, SIGTERM) }
    }
    return try outcome.get()
  }
}

/// What a running call shares with its cancellation handler.
private final class RunControl: Sendable {
  struct State {
    /// The `tandem` process (its own process group's leader) while it runs.
    var pid: Int32?
    /// Whether the call was cancelled.
    var cancelled = false
  }

  let state = Mutex(State())
}
