import Foundation

/// A task executor with one thread of its own, outside the cooperative pool.
///
/// Tests that time how fast a task reacts (a cancelled lock wait, say) run the task here:
/// with tests running in parallel, the pool's few threads are often all busy in blocking
/// calls for seconds, and a task waiting for one would measure the queue, not the code.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []

  /// Starts the thread; it runs for the rest of the process.
  public init() {
    let thread = Thread { [unowned self] in self.run() }
    thread.start()
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  private func run() {
    while true {
      condition.lock()
      while jobs.isEmpty { condition.wait() }
      let job = jobs.removeFirst()
      condition.unlock()
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}
