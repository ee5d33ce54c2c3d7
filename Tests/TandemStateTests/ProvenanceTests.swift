import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

/// Each key's provenance (``ConfigProvenance``): recorded by the transaction that sets the
/// key, kept across other writes, saved in the optional `written` member.
@Suite("Provenance of keys")
struct ConfigProvenanceTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }

  func intent(_ instance: String?) -> LockIntent { LockIntent(instanceID: instance, command: "test") }

  @Test("a transaction records its intent's instance id and its commit time for the keys it sets, only those")
  func recordsWriter() throws {
    let store = ConfigStore(home: home)
    let first = try store.update(intent: intent("agent-a")) {
      $0["a"] = "1"; $0["b"] = "2"
    }
    let stamp = try #require(first.document.entry("a")?.provenance)
    #expect(stamp.instanceID == "agent-a")
    #expect(stamp.writtenAtMilliseconds == first.document.updatedAtMilliseconds)
    #expect(stamp.writtenAt == SystemClock.iso8601(wallMilliseconds: stamp.writtenAtMilliseconds))
    let second = try store.update(intent: intent("agent-b")) {
      $0["b"] = "2"; $0["c"] = "3"
    }
    let read = try store.read()
    #expect(read == second.document)
    #expect(read.entry("a")?.provenance == stamp, "an untouched key keeps its provenance")
    // Setting the value a key already has makes the caller its writer; the values did not change.
    #expect(read.entry("b")?.provenance?.instanceID == "agent-b")
    #expect(read.entry("c")?.provenance?.instanceID == "agent-b")
    #expect(try #require(read.entry("b")?.provenance).writtenAtMilliseconds >= stamp.writtenAtMilliseconds)
    // No intent, or one without an instance: written by none, at a time.
    try store.update { $0["a"] = "x" }
    try store.update(intent: intent(nil)) { $0["c"] = "y" }
    for key in ["a", "c"] {
      let provenance = try #require(try store.read().entry(key)?.provenance)
      #expect(provenance.instanceID == nil)
    }
    // An instance id that is not one (a library caller's free text) is recorded as none.
    try store.update(intent: intent("not an id")) { $0["d"] = "1" }
    #expect(try store.read().entry("d")?.provenance?.instanceID == nil)
    #expect(try store.read().entry("d")?.provenance != nil)
    // A removed key takes its provenance with it; set again, it gets a new one.
    try store.update(intent: intent("agent-a")) { $0["b"] = nil }
    try store.update(intent: intent("agent-c")) { $0["b"] = "again" }
    #expect(try store.read().entry("b")?.provenance?.instanceID == "agent-c")
  }

  @Test("batches, the subscript and whole-dictionary assignment record exactly the keys they set")
  func editing() throws {
    let store = ConfigStore(home: home)
    let many = (0..<40).map { (key: "m\($0)", value: "\($0)") }
    try store.update(intent: intent("bulk")) { $0.set(many) }
    // The whole dictionary assigned back with one key changed: only that key is written.
    try store.update(intent: intent("editor")) { document in
      var values = document.values
      values["m7"] = "seven"
      values["new"] = "n"
      document.values = values
    }
    // A large batch (one merge) setting some keys again.
    try store.update(intent: intent("merger")) {
      $0.set(many.prefix(20).map { (key: $0.key, value: "again") })
    }
    let read = try store.read()
    for index in 0..<40 {
      let writer = read.entry("m\(index)")?.provenance?.instanceID
      let expected = index < 20 ? "merger" : "bulk"
      #expect(writer == expected, "m\(index): \(String(describing: writer))")
    }
    #expect(read.entry("new")?.provenance?.instanceID == "editor")
    // Provenance never counts as a change of values.
    var other = ConfigDocument()
    other.values = read.values
    #expect(read.hasSameValues(as: other) && read.entries != other.entries)
  }

  @Test("saved in the optional written member; a document without provenance is saved as before")
  func format() throws {
    var document = ConfigDocument()
    document["plain"] = "value"
    document["quote\"key"] = "v"
    document["none"] = "n"
    document.revision = 3
    document.updatedAtMilliseconds = 1_700_000_000_123
    // Nothing committed yet: no provenance, and no written member at all.
    let before = String(decoding: document.encode(format: configFormat), as: UTF8.self)
    #expect(!before.contains("written"))
    #expect(before.hasSuffix("\"quote\\\"key\": \"v\"\n  }\n}\n"))
    let stamped = document.committed(at: 4, updatedAtMilliseconds: 1_700_000_000_456, writer: "agent-a")
    var mixed = stamped
    mixed.values = stamped.values.merging(["later": "l"]) { $1 }
    mixed = mixed.committed(at: 5, updatedAtMilliseconds: 1_700_000_000_789, writer: nil)
    let bytes = mixed.encode(format: configFormat)
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(
      text.hasSuffix(
        """
          "written": {
            "key_digest": "\(mixed.keyDigest)",
            "stamps": [
              "2023-11-14T22:13:20.789Z",
              "2023-11-14T22:13:20.456Z agent-a"
            ],
            "runs": [
              1,
              3
            ]
          }
        }

        """), "\(text)")
    let decoded = try ConfigDocument.decode(bytes, format: configFormat)
    #expect(decoded == mixed)
    // Read in place (no string per stamp), not by the general parse.
    #expect(try JSONParser.parse(bytes, stringsOf: "values", stampsOf: "written").stamps?.attached == true)
    let reordered = text.replacingOccurrences(of: "\"key_digest\"", with: "\"other\": 1, \"key_digest\"")
    #expect(
      try JSONParser.parse(Array(reordered.utf8), stringsOf: "values", stampsOf: "written").stamps == nil)
    #expect(try ConfigDocument.decode(Array(reordered.utf8), format: configFormat) == mixed)
    #expect(
      decoded.entry("later")?.provenance
        == ConfigProvenance(instanceID: nil, writtenAtMilliseconds: 1_700_000_000_789))
    // What an older tandem does with it: the generic parser reads it, and "written" is one
    // more member it ignores.
    let json = try JSONParser.parse(bytes)
    #expect(json["format"]?.stringValue == configFormat && json["values"] != nil)
  }

  @Test("the digest is of the keys in order: other keys, another order or a key split in two differ")
  func digest() {
    func digest(_ keys: [String]) -> String {
      var document = ConfigDocument()
      document.set(keys.map { (key: $0, value: "v") })
      return document.keyDigest
    }
    #expect(digest([]) == "fnv1a-64:cbf29ce484222325")
    #expect(digest(["a", "b"]) == digest(["b", "a"]), "the document sorts its keys")
    let distinct = [
      digest(["a", "b"]), digest(["ab"]), digest(["a", "c"]), digest(["a"]), digest(["a", "b", "c"]),
    ]
    #expect(Set(distinct).count == distinct.count)
    #expect(distinct.allSatisfy { $0.hasPrefix("fnv1a-64:") && $0.utf8.count == 25 })
  }

  @Test("stamps written by hand, for other keys or in another form: read where they are right, never wrong")
  func handWritten() throws {
    var document = ConfigDocument()
    document.set([(key: "a", value: "1"), (key: "b", value: "2"), (key: "c", value: "3")])
    let digest = document.keyDigest
    let time = "2026-01-01T00:00:00.000Z"
    let store = ConfigStore(home: home)
    func read(_ written: String) throws -> [String?] {
      let text =
        #"{"format": "tandem.config/1", "revision": 2, "values": {"b": "2", "a": "1", "c": "3"}, "written": \#(written)}"#
      try directory.write("home/config.json", Data(text.utf8))
      let read = try store.read()
      return read.entries.map { $0.provenance.map { "\($0.writtenAt) \($0.instanceID ?? "-")" } }
    }
    // Another order of the members, escapes, another offset, elements that are not stamps.
    #expect(
      try read(
        #"{"stamps": ["\#(time) y", "2026-01-02T00:00:00+01:00", "yesterday"], "key_digest": "\#(digest)"}"#)
        == ["\(time) y", "2026-01-01T23:00:00.000Z -", nil])
    #expect(
      try read(#"{"key_digest": "\#(digest)", "stamps": ["\#(time) a\u002db", 7, null]}"#)
        == ["\(time) a-b", nil, nil])
    #expect(
      try read(#"{"key_digest": "\#(digest)", "stamps": ["\#(time) x", null, "\#(time)"]}"#) == [
        "\(time) x", nil, "\(time) -",
      ])
    // Stamps for other keys, or not one per key: none at all.
    let wrong = "fnv1a-64:0000000000000000"
    #expect(
      try read(#"{"key_digest": "\#(wrong)", "stamps": ["\#(time)", "\#(time)", "\#(time)"]}"#) == [
        nil, nil, nil,
      ])
    #expect(
      try read(#"{"key_digest": "\#(digest)", "stamps": ["\#(time)", "\#(time)"]}"#) == [nil, nil, nil])
    #expect(try read(#"{"key_digest": "\#(digest)"}"#) == [nil, nil, nil])
    #expect(try read(#""not an object""#) == [nil, nil, nil])
    // A write keeps what was read and records what it sets.
    _ = try read(#"{"key_digest": "\#(digest)", "stamps": ["\#(time) x", null, "\#(time)"]}"#)
    try store.update(intent: intent("w")) { $0["d"] = "4" }
    #expect(try store.read().entries.map { $0.provenance?.instanceID } == ["x", nil, nil, "w"])
    #expect(try store.read().entry("c")?.provenance != nil)
    // Syntax errors inside it are what they are anywhere: the document is corrupt.
    #expect(throws: StateError.self) { try read(#"{"key_digest": "\#(digest)", "stamps": ["\#(time)",]}"#) }
  }

  @Test("a commit's keys in a row share one stamp and its run; keys written one by one keep a stamp each")
  func runs() throws {
    let store = ConfigStore(home: home)
    let keys = (0..<StateLimits.maximumKeys).map { (key: "k" + String(100_000 + $0), value: "v") }
    try store.update(intent: intent("agent-1")) { $0.set(keys) }
    let one = try #require(directory.contents("home/config.json"))
    let written = try JSONParser.parse(Array(one))["written"]
    #expect(written?["stamps"].flatMap { if case .array(let a) = $0 { a.count } else { nil } } == 1)
    #expect(written?["runs"] == .array([.integer(Int64(StateLimits.maximumKeys))]))
    // The values take 20 bytes a key; a stamp each would add some 40 more (400 KB).
    #expect(one.count < 250_000, "\(one.count) bytes")
    // Read in place, straight into the entries.
    #expect(
      try JSONParser.parse(Array(one), stringsOf: "values", stampsOf: "written").stamps?.attached == true)
    let read = try store.read()
    #expect(read.entries.allSatisfy { $0.provenance?.instanceID == "agent-1" })
    // Another instance writes one key in the middle: three runs, every key its own writer.
    try store.update(intent: intent("agent-2")) { $0["k105000"] = "w" }
    let three = try JSONParser.parse(Array(try #require(directory.contents("home/config.json"))))
    #expect(three["written"]?["runs"] == .array([.integer(5000), .integer(1), .integer(4999)]))
    let again = try store.read()
    #expect(again.entry("k105000")?.provenance?.instanceID == "agent-2")
    #expect(again.entry("k104999")?.provenance?.instanceID == "agent-1")
    #expect(again.entry("k105001")?.provenance?.instanceID == "agent-1")
    #expect(
      again.entries.filter { $0.provenance?.instanceID == "agent-1" }.count == StateLimits.maximumKeys - 1)
    // Keys whose stamps all differ: one per key and no runs, the form before runs existed,
    // which a tandem from before them reads.
    var document = ConfigDocument()
    for (index, key) in ["a", "b", "c"].enumerated() {
      document[key] = "v"
      document = document.committed(
        at: UInt64(index + 1), updatedAtMilliseconds: 1_700_000_000_000 + Int64(index), writer: nil)
    }
    let distinct = try JSONParser.parse(document.encode(format: configFormat))
    #expect(distinct["written"]?["runs"] == nil)
    #expect(
      distinct["written"]?["stamps"].flatMap { if case .array(let a) = $0 { a.count } else { nil } } == 3)
  }

  @Test("runs written by hand: stamps where they pair with the keys, else none, never another key's")
  func handWrittenRuns() throws {
    var document = ConfigDocument()
    document.set([(key: "a", value: "1"), (key: "b", value: "2"), (key: "c", value: "3")])
    let digest = document.keyDigest
    let time = "2026-01-01T00:00:00.000Z"
    let store = ConfigStore(home: home)
    // Sorted values (stamps read into the entries) and unsorted ones (read into an array).
    for values in [#"{"a": "1", "b": "2", "c": "3"}"#, #"{"b": "2", "a": "1", "c": "3"}"#] {
      func read(_ written: String) throws -> [String?] {
        let text =
          #"{"format": "tandem.config/1", "revision": 2, "values": \#(values), "written": \#(written)}"#
        try directory.write("home/config.json", Data(text.utf8))
        return try store.read().entries.map {
          $0.provenance?.instanceID ?? ($0.provenance == nil ? nil : "-")
        }
      }
      let stamps = #""stamps": ["\#(time) x", null, "\#(time) y"]"#
      let two = #""stamps": ["\#(time) x", "\#(time) y"]"#
      #expect(try read(#"{"key_digest": "\#(digest)", \#(two), "runs": [2, 1]}"#) == ["x", "x", "y"])
      #expect(try read(#"{"key_digest": "\#(digest)", \#(two), "runs": [ 1 ,2 ]}"#) == ["x", "y", "y"])
      #expect(try read(#"{"key_digest": "\#(digest)", \#(stamps), "runs": [1, 1, 1]}"#) == ["x", nil, "y"])
      // Members in another order: the general parse, same answer.
      #expect(try read(#"{"runs": [2, 1], \#(two), "key_digest": "\#(digest)"}"#) == ["x", "x", "y"])
      // Runs that do not cover the keys exactly, or are not counts: no key has provenance.
      for runs in [
        "[2, 2]", "[1, 1]", "[1, 1, 1]", "[3]", "[3, 0]", "[0, 3]", "[-1, 4]", "[2.0, 1]", "[1e0, 2]", #"["2", 1]"#,
        "[9223372036854775807, 1]", "[9223372036854775808, 1]", "[10001, 1]", "[]", "null", "{}",
      ] {
        #expect(
          try read(#"{"key_digest": "\#(digest)", \#(two), "runs": \#(runs)}"#) == [nil, nil, nil], "\(runs)")
      }
      // Runs for other keys: none either.
      #expect(
        try read(#"{"key_digest": "fnv1a-64:0000000000000000", \#(two), "runs": [2, 1]}"#) == [nil, nil, nil])
    }
    // A write keeps what was read and records what it sets.
    let two = #""stamps": ["\#(time) x", "\#(time) y"]"#
    let text =
      #"{"format": "tandem.config/1", "revision": 2, "values": {"a": "1", "b": "2", "c": "3"}, "written": {"key_digest": "\#(digest)", \#(two), "runs": [2, 1]}}"#
    try directory.write("home/config.json", Data(text.utf8))
    try store.update(intent: intent("w")) { $0["d"] = "4" }
    #expect(try store.read().entries.map { $0.provenance?.instanceID } == ["x", "x", "y", "w"])
  }

  @Test("the time is written and read in place exactly as SystemClock formats and parses it")
  func timeInPlace() {
    var generator = SystemRandomNumberGenerator()
    let range = SystemClock.timestampRange
    let samples: [Int64] =
      [0, -1, 1, 999, -999, -1000, 951_782_400_000, 4_107_542_400_000, range.lowerBound, range.upperBound]
      + (0..<2_000).map { _ in Int64.random(in: range, using: &generator) }
    var previousSample: Int64 = 0
    for milliseconds in samples {
      var text = [UInt8](repeating: 0, count: WriteStamp.timeLength)
      text.withUnsafeMutableBufferPointer { WriteStamp.formatTime(milliseconds, into: $0) }
      let formatted = String(decoding: text, as: UTF8.self)
      #expect(formatted == SystemClock.iso8601(wallMilliseconds: milliseconds))
      let parsed = text.withUnsafeBufferPointer { WriteStamp.parseCanonicalTime($0) }
      #expect(parsed == milliseconds && SystemClock.parseRFC3339(formatted) == milliseconds, "\(formatted)")
      // Written after another time, of the same minute or not: the same text.
      for previous in [milliseconds - 1, milliseconds + 59_999, milliseconds - 61_000, previousSample] {
        var after = [UInt8](repeating: 0, count: WriteStamp.timeLength)
        after.withUnsafeMutableBufferPointer {
          WriteStamp.formatTime(previous, into: $0)
          WriteStamp.formatTime(milliseconds, into: $0, after: previous)
        }
        #expect(after == text, "\(formatted) after \(previous)")
      }
      previousSample = milliseconds
    }
    // Forms only the general parser reads, and forms nobody reads.
    for text in ["2026-11-29T14:21:45Z", "2026-11-29T14:21:45.1+02:00", "2026-11-29t14:21:45.123z"] {
      let parsed = Array(text.utf8).withUnsafeBufferPointer { WriteStamp.parseCanonicalTime($0) }
      #expect(parsed == nil && WriteStamp(stored: text)?.milliseconds == SystemClock.parseRFC3339(text))
    }
    for text in ["2026-11-29T14:21:45.12xZ", "2026-00-29T14:21:45.123Z", "2026-11-32T14:21:45.123Z"] {
      #expect(
        Array(text.utf8).withUnsafeBufferPointer { WriteStamp.parseCanonicalTime($0) } == nil, "\(text)")
    }
  }

  @Test("stored forms that are not provenance read as none")
  func storedForms() {
    let valid = "2026-11-29T14:21:45.123Z"
    #expect(ConfigProvenance(stored: valid)?.instanceID == nil)
    #expect(ConfigProvenance(stored: valid + " agent-1")?.instanceID == "agent-1")
    #expect(ConfigProvenance(stored: valid + " agent-1")?.writtenAt == valid)
    for text in [
      "", " ", "agent-1", valid + " ", valid + " a b", valid + " ../x", "2026-13-01T00:00:00Z a", "yesterday",
    ] {
      #expect(ConfigProvenance(stored: text) == nil, "\(text)")
    }
    // The check of an instance id in place agrees with InstanceID, byte by byte.
    for byte in 0...255 {
      for id in [[UInt8(byte)], [UInt8(ascii: "a"), UInt8(byte)], [UInt8(byte), UInt8(ascii: "a")]] {
        let inPlace = id.withUnsafeBufferPointer { WriteStamp.isInstanceID($0) }
        #expect(inPlace == InstanceID.isValid(String(decoding: id, as: UTF8.self)), "\(id)")
      }
    }
    for id in ["", String(repeating: "a", count: 64), String(repeating: "a", count: 65), ".", "..", "a..b"] {
      #expect(
        Array(id.utf8).withUnsafeBufferPointer { WriteStamp.isInstanceID($0) } == InstanceID.isValid(id))
    }
    let made = ConfigProvenance(instanceID: "agent-1", writtenAtMilliseconds: 0)
    #expect(made.stored == "1970-01-01T00:00:00.000Z agent-1")
    #expect(ConfigProvenance(stored: made.stored) == made)
  }
}
