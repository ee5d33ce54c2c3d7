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

  private var ascending = true
  private var seen: Set<String>?

  /// Whether `name` may follow `members` (the object's members so far, in order); `false`
  /// when one of them has the same name. Call it once for every name, in order.
  mutating func admit(_ name: String, after members: [(String, JSONValue)]) -> Bool {
    guard let last = members.last?.0 else { return true }
    // Swift orders strings totally and consistently with `==` (both compare the canonical
    // form), so a name above the greatest is equal to none.
    if ascending {
      if last < name { return true }
      ascending = false
    }
    if seen == nil {
      if members.count < Self.scanLimit { return !members.contains(where: { $0.0 == name }) }
      var names = Set<String>(minimumCapacity: members.count * 2)
      for member in members { names.insert(member.0) }
      seen = names
    }
    return seen!.insert(name).inserted
  }
}
