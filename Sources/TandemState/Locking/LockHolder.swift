/// Who holds a lock, as recorded in the lock file by the holder itself.
public struct LockHolder: Sendable, Equatable {
  /// The process that holds the lock (for `lock run`, the command's process).
  public var pid: Int32
  /// The holder's instance id, or `nil` for the shared namespace.
  public var instanceID: String?
  /// What the holder is doing, e.g. `tandem config set region` (values are never recorded).
  public var command: String
  /// When the lock was taken, in milliseconds since the Unix epoch.
  public var acquiredAtMilliseconds: Int64
  /// The holder's host, for backends shared by several hosts (`nil` on one machine, where
  /// every holder is local). ``pid`` is a process id on that host.
  public var host: String?

  /// Creates a holder record.
  public init(
    pid: Int32, instanceID: String?, command: String, acquiredAtMilliseconds: Int64, host: String? = nil
  ) {
    self.pid = pid
    self.instanceID = instanceID
    self.command = command
    self.acquiredAtMilliseconds = acquiredAtMilliseconds
    self.host = host
  }

  /// How long the lock has been held as of `now` (wall clock, milliseconds since the epoch).
  /// A record edited by hand may hold any number: the result saturates instead of trapping.
  func heldMilliseconds(now: Int64) -> Int64 {
    let (held, overflow) = now.subtractingReportingOverflow(acquiredAtMilliseconds)
    if overflow { return acquiredAtMilliseconds < 0 ? Int64.max : 0 }
    return max(0, held)
  }

  /// How long the lock has been held until now, in milliseconds.
  public var heldMillisecondsNow: Int64 { heldMilliseconds(now: SystemClock.wallMilliseconds()) }

  var json: JSONValue {
    .object([
      ("pid", .integer(Int64(pid))),
      ("instance_id", .optional(instanceID)),
      ("command", .string(command)),
      ("acquired_at_ms", .integer(acquiredAtMilliseconds)),
    ])
  }

  init?(json: JSONValue) {
    guard let pid = json["pid"]?.integerValue, let command = json["command"]?.stringValue,
      let acquired = json["acquired_at_ms"]?.integerValue
    else { return nil }
    // Within the instants a timestamp names, so that `now - acquired` cannot overflow.
    self.init(
      pid: Int32(truncatingIfNeeded: pid), instanceID: json["instance_id"]?.stringValue, command: command,
      acquiredAtMilliseconds: SystemClock.clampedToTimestamps(acquired))
  }
}

/// What a process intends to do under a lock; recorded for whoever waits on it.
public struct LockIntent: Sendable {
  /// The instance the holder acts for. A ``ConfigStore`` update records it as the writer of
  /// the keys it sets (``ConfigProvenance``).
  public var instanceID: String?
  /// A short description of the holder's command. Never put secrets here: other agents
  /// read it from `lock status` and from conflict errors.
  public var command: String

  /// Creates an intent.
  public init(instanceID: String?, command: String) {
    self.instanceID = instanceID
    self.command = command
  }
}
