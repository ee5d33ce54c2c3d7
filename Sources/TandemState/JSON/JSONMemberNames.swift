/// The member names of one object being parsed, to refuse a name given twice in time linear
/// in the number of members.
///
/// Three regimes, cheapest first. Names in strictly ascending order (every document tandem
/// writes: its keys are sorted) need one comparison with the previous name each, since a
/// name greater than the last is greater than all. A small object in any order is scanned:
/// for a handful of members that costs less than hashing, and start-up stays as it was.
/// A large object out of order is checked against a set of the names, built once.
struct JSONMemberNames {
  /// Up to this many members, a name out of order is checked by scanning the members.
  static let scanLimit = 16

  /// Whether every name so far was greater than the one before it.
  private(set) var ascending = true
  private var seen: Set<String>?

  /// Whether `name` may follow `members` (the object's members so far, in order); `false`
  /// when one of them has the same name. Call it once for every name, in order.
  mutating func admit(_ name: String, after members: [(String, JSONValue)]) -> Bool {
    admit(name, count: members.count, last: members.last?.0) { members[$0].0 }
  }

  /// ``admit(_:after:)`` for members parsed straight into config entries.
  mutating func admit(_ name: String, after entries: [ConfigDocument.Entry]) -> Bool {
    admit(name, count: entries.count, last: entries.last?.key) { entries[$0].key }
  }

  /// The check itself, over the `count` names before `name` (`last` the latest of them).
  @inline(__always)
  private mutating func admit(_ name: String, count: Int, last: String?, nameAt: (Int) -> String) -> Bool {
    guard let last else { return true }
    // Swift orders strings totally and consistently with `==` (both compare the canonical
    // form), so a name above the greatest is equal to none.
    if ascending {
      if last < name { return true }
      ascending = false
    }
    if seen == nil {
      if count < Self.scanLimit {
        for position in 0..<count where nameAt(position) == name { return false }
        return true
      }
      var names = Set<String>(minimumCapacity: count * 2)
      for position in 0..<count { names.insert(nameAt(position)) }
      seen = names
    }
    return seen!.insert(name).inserted
  }
}
