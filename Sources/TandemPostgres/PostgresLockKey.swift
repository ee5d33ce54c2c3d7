/// The advisory-lock key of a document or a named lock: a 64-bit hash of the tool, the kind
/// and the name.
///
/// Two names whose hashes collide share a lock: they exclude each other more than needed,
/// never less, so a collision costs waiting, not safety. `pg_locks` shows a 64-bit key as two
/// 32-bit halves (`classid`, `objid`, with `objsubid` 1), which ``high`` and ``low`` give.
struct PostgresLockKey: Hashable, Sendable {
  let value: Int64

  /// The key of the lock that serializes creating and upgrading the tables.
  static let schema = PostgresLockKey(hashing: ["tandem", "schema"])

  /// The lock of document `name` in `namespace` of `tool`.
  static func document(tool: String, namespace: String, name: String) -> PostgresLockKey {
    PostgresLockKey(hashing: [tool, "document", namespace, name])
  }

  /// The named lock `name` of `tool`.
  static func named(tool: String, name: String) -> PostgresLockKey {
    PostgresLockKey(hashing: [tool, "lock", name])
  }

  /// FNV-1a 64 of the parts, each followed by a zero byte (so that no two part lists hash
  /// the same bytes).
  init(hashing parts: [String]) {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for part in parts {
      for byte in part.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01b3
      }
      hash ^= 0
      hash &*= 0x0000_0100_0000_01b3
    }
    value = Int64(bitPattern: hash)
  }

  /// `pg_locks.classid` of this key.
  var high: Int64 { Int64(UInt64(bitPattern: value) >> 32) }
  /// `pg_locks.objid` of this key.
  var low: Int64 { Int64(UInt64(bitPattern: value) & 0xffff_ffff) }
}
