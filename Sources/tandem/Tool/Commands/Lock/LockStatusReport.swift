import TandemCLI
import TandemState

/// What `lock status` answers: whether the lock is held, and by whom.
struct LockStatusReport: CommandResult {
  /// The process holding the lock, as its lock record names it.
  struct Holder: Encodable {
    let pid: Int32
    /// The holder's instance id; `null` when it had none.
    let instanceID: String?
    /// The command the holder said it runs.
    let command: String
    /// How long it has held the lock so far.
    let heldMs: Int64
    /// The holder's host, on a store shared by several hosts; `null` on the file store,
    /// where every holder is on this host.
    let host: String?
  }

  /// `config` for the namespace's config lock, else the lock's name.
  let lock: String
  let path: String
  let held: Bool
  /// `null` when the lock is free, or held by a process that left no record.
  let holder: Holder?
  /// How long this lock is usually held, from its recent holds.
  let typicalHoldMs: Double

  // Paths, ids and the holder's command are stored data: escaped, so one line stays one.
  var text: String? {
    let path = TextEscaping.escape(path)
    guard held else { return "free: \(path)" }
    guard let holder else { return "held by another process: \(path)" }
    let label = holder.instanceID.map { "\(TextEscaping.escape($0)): " } ?? ""
    let host = holder.host.map { " on \(TextEscaping.escape($0))" } ?? ""
    return
      "held by pid \(holder.pid)\(host) (\(label)\(TextEscaping.escape(holder.command))) for \(holder.heldMs) ms: \(path)"
  }
}
