/// One configuration document: string values by key, who wrote each key and when, and a
/// revision raised by 1 at every applied write.
///
/// On disk it is JSON:
///
/// ```json
/// {
///   "format": "NAME.config/1",
///   "revision": 3,
///   "updated_at": "2026-11-29T14:21:45.123Z",
///   "values": {
///     "region": "us-east-1",
///     "zone": "b"
///   },
///   "written": {
///     "key_digest": "fnv1a-64:5c1a0e5b2d6f7a88",
///     "stamps": [
///       "2026-11-29T14:21:45.123Z agent-1",
///       null
///     ],
///     "runs": [
///       2,
///       1
///     ]
///   }
/// }
/// ```
///
/// `written` holds each key's ``ConfigProvenance``: the stamps in the order of the (sorted)
/// keys of `values`, `null` for a key without one, one stamp for each run of keys in a row
/// with the same stamp, `runs` saying how many keys each covers (left out when every run is
/// one key: then there is a stamp per key), and a digest of the keys the stamps were
/// written for. Stamps apply only when they cover the keys exactly and the digest matches
/// the keys read: a document whose keys were changed by anything but tandem (by hand, by a tandem
/// that predates provenance) shows no provenance for any key rather than a wrong one. The
/// keys are not repeated: on a 10,000-key document that would double the cost of every read
/// (docs/benchmarks.md, "Paging and provenance").
///
/// `written` is optional: documents written before it existed read as they are, their keys
/// without provenance; tandem versions that predate it read and write these documents too
/// (they ignore `written` and drop it when they write). The format tag therefore stays
/// version 1.
///
/// The values are kept as one array sorted by key: the order tandem writes them in, so a
/// document read from disk needs no hashing and no sort, a lookup is a binary search, and
/// saving it, or comparing it with the revision it came from, is one pass. Every operation is
/// linear or better in the number of keys, up to the 10,000 a document may hold.
public struct ConfigDocument: Sendable, Equatable {
  /// The document's revision: 0 for a document never written.
  public internal(set) var revision: UInt64
  /// When the document was last written, in milliseconds since the epoch, if ever.
  public internal(set) var updatedAtMilliseconds: Int64?
  /// The values, sorted by key (strictly ascending: a key appears once).
  public private(set) var entries: [Entry]

  /// One key and its value. (A struct rather than a labelled tuple: an array of tuples
  /// has its type metadata built at run time, which costs a short command 28,000
  /// instructions.)
  public struct Entry: Sendable, Equatable {
    /// The key.
    public var key: String
    /// Its value.
    public var value: String
    /// The key's provenance, compact (``WriteStamp``): ``WriteStamp/none`` when the
    /// document does not say, ``WriteStamp/pending`` when the key was set in a transaction
    /// not yet committed.
    var stamp: WriteStamp

    /// An entry without provenance.
    public init(key: String, value: String) {
      self.key = key
      self.value = value
      self.stamp = .none
    }

    init(key: String, value: String, stamp: WriteStamp) {
      self.key = key
      self.value = value
      self.stamp = stamp
    }

    /// Who last wrote the key and when; `nil` when the document does not say (a key written
    /// by hand or by a tandem that predates provenance), and for a key set in the current
    /// transaction until it commits.
    public var provenance: ConfigProvenance? { stamp.provenance }
  }

  /// The kind of document in its format tag: `NAME.config/1` (``ToolIdentity/documentFormat(_:version:)``).
  package static let formatKind = "config"
  /// The version of the format in its format tag.
  package static let formatVersion = 1

  /// Up to this many keys, a batch of changes is applied key by key; past it, in one merge.
  static let batchLimit = 16

  /// The document as a backend commits it: the same entries at `revision`, written at
  /// `updatedAtMilliseconds` (wall clock), the keys set since it was read recorded as written
  /// then by `writer` (the update's ``LockIntent/instanceID``; without a time they get no
  /// provenance). The file store stamps its own commits; another ``RevisionedDocumentStore``
  /// stamps its commits with this.
  public func committed(at revision: UInt64, updatedAtMilliseconds: Int64?, writer: String? = nil)
    -> ConfigDocument
  {
    var copy = self
    copy.revision = revision
    copy.updatedAtMilliseconds = updatedAtMilliseconds
    copy.recordWrites(as: updatedAtMilliseconds.map { WriteStamp(recording: writer, at: $0) } ?? .none)
    return copy
  }

  /// Gives every key set since the document was read `stamp`. One pass that writes only the
  /// keys set: a transaction that set nothing copies nothing.
  mutating func recordWrites(as stamp: WriteStamp) {
    for index in entries.indices where entries[index].stamp == .pending {
      entries[index].stamp = stamp
    }
  }

  /// An empty document at revision 0.
  public init() {
    revision = 0
    entries = []
  }

  /// The number of keys.
  public var count: Int { entries.count }

  /// The values by key, as a dictionary built on each access (linear in the document):
  /// read one key with the subscript and walk all of them with ``entries``.
  public var values: [String: String] {
    get {
      var result = [String: String](minimumCapacity: entries.count)
      for entry in entries { result[entry.key] = entry.value }
      return result
    }
    set {
      var replaced = newValue.map { Entry(key: $0.key, value: $0.value, stamp: .pending) }
      replaced.sort { $0.key < $1.key }
      // A key whose value stays as it was keeps its provenance: assigning the whole
      // dictionary back after changing one key writes that key only.
      var old = 0
      for index in replaced.indices {
        while old < entries.count && entries[old].key < replaced[index].key { old += 1 }
        if old < entries.count && entries[old].key == replaced[index].key
          && entries[old].value == replaced[index].value
        {
          replaced[index].stamp = entries[old].stamp
        }
      }
      entries = replaced
    }
  }

  /// Reads, sets or (with `nil`) removes a value. Setting a value, even the one the key
  /// has, records the transaction's writer as the key's provenance when it commits.
  public subscript(key: String) -> String? {
    get {
      let (position, found) = search(key)
      return found ? entries[position].value : nil
    }
    set {
      let (position, found) = search(key)
      switch (found, newValue) {
      case (true, let value?):
        entries[position].value = value
        entries[position].stamp = .pending
      case (true, nil): entries.remove(at: position)
      case (false, let value?): entries.insert(Entry(key: key, value: value, stamp: .pending), at: position)
      case (false, nil): break
      }
    }
  }

  /// The entry of `key`, with its provenance, if the key is set.
  public func entry(_ key: String) -> Entry? {
    let (position, found) = search(key)
    return found ? entries[position] : nil
  }

  /// The position of the first entry whose key sorts after `key`: where a listing that
  /// continues after `key` starts.
  func position(after key: String) -> Int {
    let (position, found) = search(key)
    return found ? position + 1 : position
  }

  /// Sets every pair, as setting them one by one in order would (a key given twice keeps
  /// its last value), in one pass over the document for a large batch.
  public mutating func set(_ pairs: [(key: String, value: String)]) {
    guard pairs.count > Self.batchLimit else {
      for pair in pairs { self[pair.key] = pair.value }
      return
    }
    // Sorted by key, and by position among equal keys so that the last one given wins.
    let sorted = pairs.indices.sorted {
      pairs[$0].key < pairs[$1].key || (pairs[$0].key == pairs[$1].key && $0 < $1)
    }
    var merged: [Entry] = []
    merged.reserveCapacity(entries.count + sorted.count)
    var old = 0
    for index in sorted {
      let pair = pairs[index]
      if let last = merged.last, last.key == pair.key {
        merged[merged.count - 1].value = pair.value
        continue
      }
      while old < entries.count && entries[old].key < pair.key {
        merged.append(entries[old])
        old += 1
      }
      if old < entries.count && entries[old].key == pair.key { old += 1 }
      merged.append(Entry(key: pair.key, value: pair.value, stamp: .pending))
    }
    merged.append(contentsOf: entries[old...])
    entries = merged
  }

  /// Removes every key given (a key not set is ignored), in one pass for a large batch.
  public mutating func remove(_ keys: [String]) {
    guard keys.count > Self.batchLimit else {
      for key in keys { self[key] = nil }
      return
    }
    let sorted = keys.sorted()
    var next = 0
    entries.removeAll { entry in
      while next < sorted.count && sorted[next] < entry.key { next += 1 }
      return next < sorted.count && sorted[next] == entry.key
    }
  }

  /// Where `key` is, or where it would be inserted.
  private func search(_ key: String) -> (position: Int, found: Bool) {
    var low = 0
    var high = entries.count
    while low < high {
      let middle = low + (high - low) / 2
      let candidate = entries[middle].key
      if candidate == key { return (middle, true) }
      if candidate < key { low = middle + 1 } else { high = middle }
    }
    return (low, false)
  }

  /// The entries that are new or hold another value than in `other`, in one pass over both.
  /// Unchanged entries share their strings with `other`, so comparing them is cheap.
  func entriesChanged(since other: ConfigDocument) -> [Entry] {
    var result: [Entry] = []
    var theirs = 0
    for entry in entries {
      while theirs < other.entries.count && other.entries[theirs].key < entry.key { theirs += 1 }
      if theirs < other.entries.count && other.entries[theirs].key == entry.key {
        if other.entries[theirs].value != entry.value { result.append(entry) }
        theirs += 1
      } else {
        result.append(entry)
      }
    }
    return result
  }

  /// Whether both documents hold the same keys with the same values, whoever wrote them
  /// (what a backend reports as ``ConfigUpdate/changed``).
  public func hasSameValues(as other: ConfigDocument) -> Bool {
    guard entries.count == other.entries.count else { return false }
    for (mine, theirs) in zip(entries, other.entries)
    where mine.key != theirs.key || mine.value != theirs.value {
      return false
    }
    return true
  }

  /// Same revision, time, values and provenance.
  public static func == (lhs: ConfigDocument, rhs: ConfigDocument) -> Bool {
    lhs.revision == rhs.revision && lhs.updatedAtMilliseconds == rhs.updatedAtMilliseconds
      && lhs.entries == rhs.entries
  }

  /// Parses a document, describing exactly what is wrong when it is not one.
  package static func decode(_ bytes: [UInt8], format: String) throws(DecodingFailure) -> ConfigDocument {
    guard !bytes.isEmpty else { throw DecodingFailure("the file is empty") }
    let json: JSONValue
    var values: JSONParser.LiftedStrings
    let stamps: JSONParser.LiftedStamps?
    do {
      // The values and their provenance are parsed straight into entries (with the parser's
      // every check: repeated names, UTF-8, nesting); the rest of the document is a handful
      // of members.
      (json, values, stamps) = try JSONParser.parse(bytes, stringsOf: "values", stampsOf: "written")
    } catch {
      throw DecodingFailure("not valid JSON (\(error.description))")
    }
    guard case .object = json else { throw DecodingFailure("the top level is not an object") }
    guard json["format"]?.stringValue == format else {
      throw DecodingFailure("\"format\" is not \"\(format)\"")
    }
    guard let revision = json["revision"]?.integerValue, revision >= 0 else {
      throw DecodingFailure("\"revision\" is not a non-negative integer")
    }
    guard values.found else { throw DecodingFailure("\"values\" is not an object") }
    if let key = values.nonString {
      throw DecodingFailure("the value of \(QuotedData.mark(key)) is not a string")
    }
    var document = ConfigDocument()
    document.revision = UInt64(revision)
    // Files tandem wrote are sorted already, their stamps already in the entries; one
    // written by hand is sorted once and its stamps matched after.
    document.entries = values.entries
    values.entries = []
    if !values.ascending { document.entries.sort { $0.key < $1.key } }
    // Provenance is optional and never makes a document unreadable: a `written` in another
    // form, or for other keys, leaves every key without provenance.
    let written = stamps ?? Self.stamps(in: json["written"])
    let digest = values.ascending ? values.keyDigest.text : document.keyDigest
    if let written, written.attached {
      // Read into the entries already: kept only if they are these keys' stamps.
      if written.keyDigest != digest {
        for index in document.entries.indices { document.entries[index].stamp = .none }
      }
    } else if let written, written.stamps.count == document.count, written.keyDigest == digest {
      for index in document.entries.indices { document.entries[index].stamp = written.stamps[index] }
    }
    if case .string(let stamp)? = json["updated_at"] {
      document.updatedAtMilliseconds = SystemClock.parseRFC3339(stamp)
    }
    return document
  }

  /// The stamps of a `written` member the parser did not read in place (written or edited
  /// by hand): `nil` unless it has a `key_digest` string and a `stamps` array; a stamp that
  /// is not a string in the stored form reads as none. With `runs`, each stamp covers as
  /// many keys in a row as its run says; runs that are not integers from 1 to the key
  /// limit, one per stamp, give no provenance at all (`nil`).
  private static func stamps(in written: JSONValue?) -> JSONParser.LiftedStamps? {
    guard let digest = written?["key_digest"]?.stringValue, case .array(let elements)? = written?["stamps"]
    else {
      return nil
    }
    let stamps = elements.map { $0.stringValue.flatMap { WriteStamp(stored: $0) } ?? .none }
    guard let runs = written?["runs"] else {
      return JSONParser.LiftedStamps(keyDigest: digest, stamps: stamps)
    }
    guard case .array(let lengths) = runs, lengths.count == stamps.count else { return nil }
    var expanded: [WriteStamp] = []
    for (stamp, length) in zip(stamps, lengths) {
      guard case .integer(let count) = length, (1...Int64(StateLimits.maximumKeys)).contains(count),
        expanded.count + Int(count) <= StateLimits.maximumKeys
      else { return nil }
      expanded.append(contentsOf: repeatElement(stamp, count: Int(count)))
    }
    return JSONParser.LiftedStamps(keyDigest: digest, stamps: expanded)
  }

  /// What `key_digest` records for this document's keys.
  var keyDigest: String {
    var digest = KeyDigest()
    for entry in entries { digest.add(entry.key) }
    return digest.text
  }

  /// What `key_digest` records: FNV-1a (64 bits) of the keys in order, each key's UTF-8
  /// followed by 0xFF (a byte no UTF-8 holds), so that no two lists of keys run together.
  struct KeyDigest {
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Folds in the next key, as its UTF-8.
    mutating func add(_ key: UnsafeBufferPointer<UInt8>) {
      var hash = self.hash
      for byte in key { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
      self.hash = (hash ^ 0xFF) &* 0x100_0000_01b3
    }

    /// Folds in the next key.
    mutating func add(_ key: String) {
      var key = key
      key.withUTF8 { add($0) }
    }

    /// The digest as the document records it: `fnv1a-64:` and 16 hexadecimal digits.
    var text: String {
      let hex = String(hash, radix: 16)
      return "fnv1a-64:" + String(repeating: "0", count: 16 - hex.utf8.count) + hex
    }
  }

  /// The document as indented JSON with keys in sorted order, ending in a newline: the bytes
  /// `JSONWriter.pretty` gives for it (a test holds them equal), written straight from the
  /// entries, since wrapping thousands of them in ``JSONValue``s first would double the cost.
  package func encode(format: String) -> [UInt8] {
    // The member "written" only when a key has provenance: a document none of whose keys has
    // any is saved exactly as before provenance existed.
    let stamped = entries.contains { $0.stamp.isRecorded }
    // Room for the values, and for a stamp per key when there are stamps.
    var out = ByteBuffer(capacity: 128 + entries.count * (stamped ? 72 : 24))
    var digest = KeyDigest()
    out.append("{\n  \"format\": ")
    JSONWriter.writeString(format, into: &out)
    out.append(",\n  \"revision\": ")
    out.append(String(revision))
    out.append(",\n  \"updated_at\": ")
    if let updatedAtMilliseconds {
      JSONWriter.writeString(SystemClock.iso8601(wallMilliseconds: updatedAtMilliseconds), into: &out)
    } else {
      out.append("null")
    }
    out.append(",\n  \"values\": {")
    var first = true
    for entry in entries {
      out.append(first ? "\n    " : ",\n    " as StaticString)
      first = false
      let keyStart = out.count
      JSONWriter.writeString(entry.key, into: &out)
      if stamped {
        // The digest of the keys from the text just written when nothing was escaped.
        let written = keyStart + 1..<out.count - 1
        if written.count == entry.key.utf8.count {
          out.withBytes(in: written) { digest.add($0) }
        } else {
          digest.add(entry.key)
        }
      }
      out.append(": " as StaticString)
      JSONWriter.writeString(entry.value, into: &out)
    }
    out.append(entries.isEmpty ? "}" : "\n  }" as StaticString)
    if stamped {
      out.append(",\n  \"written\": {\n    \"key_digest\": \"")
      out.append(digest.text)
      out.append("\",\n    \"stamps\": [")
      // One stamp per run of keys in a row with the same stamp (the keys of one commit are
      // often neighbours), and in `runs` how many keys each covers, when some run is longer
      // than one key: a 10,000-key document written by one commit holds one stamp, not
      // 10,000. When every run is one key long, `runs` is left out and the stamps are one
      // per key, as they were before runs existed. (Counted in two passes rather than kept
      // in an `[Int]`, whose storage's type is built at run time: 5,000 instructions.)
      var runCount = 0
      // The time of the stamp before, formatted: stamps of one minute share all but seconds.
      var time = [UInt8](repeating: 0, count: WriteStamp.timeLength)
      var timeMilliseconds = Int64.min
      for index in entries.indices {
        let stamp = entries[index].stamp
        if index > 0, stamp.isStored(like: entries[index - 1].stamp) { continue }
        out.append(runCount == 0 ? "\n      " : ",\n      " as StaticString)
        runCount += 1
        guard stamp.isRecorded else {
          out.append("null")
          continue
        }
        out.append(UInt8(ascii: "\""))
        time.withUnsafeMutableBufferPointer { time in
          if stamp.milliseconds != timeMilliseconds {
            WriteStamp.formatTime(stamp.milliseconds, into: time, after: timeMilliseconds)
            timeMilliseconds = stamp.milliseconds
          }
          out.append(UnsafeBufferPointer(time))
        }
        if let instanceID = stamp.instanceID {
          out.append(UInt8(ascii: " "))
          out.append(instanceID)
        }
        out.append(UInt8(ascii: "\""))
      }
      out.append("\n    ]")
      if runCount < entries.count {
        out.append(",\n    \"runs\": [")
        var length = 0
        for index in entries.indices {
          if index > 0, !entries[index].stamp.isStored(like: entries[index - 1].stamp) {
            out.append(length == index ? "\n      " : ",\n      " as StaticString)
            out.appendDecimal(length)
            length = 0
          }
          length += 1
        }
        out.append(length == entries.count ? "\n      " : ",\n      " as StaticString)
        out.appendDecimal(length)
        out.append("\n    ]")
      }
      out.append("\n  }")
    }
    out.append("\n}\n")
    return out.bytes()
  }

  /// Why bytes are not a document.
  package struct DecodingFailure: Error {
    package var reason: String
    package init(_ reason: String) { self.reason = reason }
  }
}

extension ConfigDocument {
  /// Checks what a transaction changed against the document it started from, as every
  /// backend does before it commits: the key limit, and the keys and values new or changed.
  /// Keys already stored are not checked again: a key someone wrote by hand must not make
  /// every later write fail as if the caller had passed it. For the same reason the key limit
  /// refuses only growth past it: a document already over it (written by hand) still takes
  /// an unset, or a new value for a key it holds. Returns the entries that are new or changed.
  package func validateChanges(since current: ConfigDocument, path: String) throws(StateError) -> [Entry] {
    guard count <= StateLimits.maximumKeys || count <= current.count else {
      throw StateError(
        .limitExceeded, "the document would hold \(count) keys; the limit is \(StateLimits.maximumKeys)",
        path: path)
    }
    // One pass over both sorted documents, not a lookup per key.
    let changed = entriesChanged(since: current)
    for entry in changed {
      try ConfigKey.validate(entry.key)
      try ConfigKey.validateValue(entry.value, for: entry.key)
    }
    return changed
  }
}
