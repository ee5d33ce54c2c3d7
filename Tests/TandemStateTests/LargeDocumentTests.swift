import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

/// Documents at the 10,000-key limit work through the public API, and the representation
/// that makes them linear (sorted entries, duplicate checks without a scan per member)
/// keeps every rule of the small ones. Nothing here is timed: the instruction counts are
/// measured by scripts/bench-scale.
@Suite("Large documents")
struct LargeDocumentTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }

  /// `{"format": ..., "values": {<members>}}` as a file written by hand.
  func handWritten(_ members: [(String, String)]) -> Data {
    let values = members.map { "\"\($0.0)\": \"\($0.1)\"" }.joined(separator: ", ")
    return Data(#"{"format": "tandem.config/1", "revision": 7, "values": {\#(values)}}"#.utf8)
  }

  @Test("a 10,000-key document is built, read and written through ConfigStore.update")
  func tenThousandKeys() throws {
    let store = ConfigStore(home: home)
    let keys = (1...StateLimits.maximumKeys).map { "k\($0)" }
    // Key by key, in an order that is not sorted (k1, k2, ..., k10, ...).
    let built = try store.update { document in
      for key in keys { document[key] = "v-" + key }
    }
    #expect(built.changed && built.document.count == StateLimits.maximumKeys)

    let read = try store.read()
    #expect(read.count == StateLimits.maximumKeys && read.revision == 1)
    #expect(read["k1"] == "v-k1" && read["k5000"] == "v-k5000" && read["k10000"] == "v-k10000")
    #expect(read["k10001"] == nil && read["k0"] == nil)
    #expect(read.entries.map(\.key) == keys.sorted())

    // A write on the full document: one value changed, one removed, one added back.
    let written = try store.update { document in
      document["k42"] = "changed"
      document["k43"] = nil
      document["k43"] = "back"
      document["k44"] = nil
    }
    #expect(written.changed && written.document.revision == 2)
    let after = try store.read()
    #expect(after.count == StateLimits.maximumKeys - 1)
    #expect(after["k42"] == "changed" && after["k43"] == "back" && after["k44"] == nil)
    #expect(after["k41"] == "v-k41")

    // A batch on it, as `config set` and `config unset` send them.
    try store.update { document in
      document.set((1...500).map { (key: "k\($0 * 2)", value: "batch") })
      document.remove((1...100).map { "k\($0 * 2 + 1)" })
    }
    let batched = try store.read()
    #expect(batched["k2"] == "batch" && batched["k1000"] == "batch" && batched["k1002"] == "v-k1002")
    #expect(batched["k3"] == nil && batched["k201"] == nil && batched["k203"] == "v-k203")
    #expect(batched.count == StateLimits.maximumKeys - 1 - 100 + 1)  // k44 set again by the batch

    // The limit still holds for a new key.
    try store.update { document in
      for index in 1...100 { document["extra\(index)"] = "x" }
    }
    let refused = try #require(throws: StateError.self) {
      try store.update { $0["one-too-many"] = "x" }
    }
    #expect(refused.code == .limitExceeded)

    // The layered view reads it too.
    let layered = LayeredConfig(home: home, namespace: .shared)
    #expect(try layered.lookup("k9999")?.value == "v-k9999")
    #expect(try layered.entries().count == StateLimits.maximumKeys)
  }

  @Test("a duplicate member in a hand-written document is refused as STATE_CORRUPT")
  func duplicateMember() throws {
    let sorted = (1...50).map { ("key\(1000 + $0)", "v") }
    let cases: [[(String, String)]] = [
      [("a", "1"), ("a", "2")],
      [("b", "1"), ("a", "1"), ("b", "2")],
      // Past the scan limit, in order and then a repeat of an earlier key.
      sorted + [("key1001", "again")],
      // Past the scan limit, out of order from the start.
      sorted.reversed() + [("key1025", "again")],
      // In order, the repeat right after its first occurrence.
      sorted + [("key1050", "again")],
    ]
    let store = ConfigStore(home: home)
    for members in cases {
      try directory.write("home/config.json", handWritten(members))
      let error = try #require(throws: StateError.self) { try store.read() }
      #expect(error.code == .stateCorrupt)
      #expect(error.message.contains("duplicate member"))
      let writeError = try #require(throws: StateError.self) { try store.update { $0["z"] = "1" } }
      #expect(writeError.code == .stateCorrupt)
    }
  }

  /// The decoding of a document before its values were parsed straight into entries: the
  /// whole text as ``JSONValue``s, then checked member by member.
  func referenceDecode(_ bytes: [UInt8]) -> Result<[ConfigDocument.Entry], ConfigDocument.DecodingFailure> {
    guard !bytes.isEmpty else { return .failure(.init("the file is empty")) }
    let json: JSONValue
    do {
      json = try JSONParser.parse(bytes)
    } catch {
      return .failure(.init("not valid JSON (\(error.description))"))
    }
    guard case .object = json else { return .failure(.init("the top level is not an object")) }
    guard json["format"]?.stringValue == configFormat else {
      return .failure(.init("\"format\" is not \"\(configFormat)\""))
    }
    guard let revision = json["revision"]?.integerValue, revision >= 0 else {
      return .failure(.init("\"revision\" is not a non-negative integer"))
    }
    guard case .object(let members)? = json["values"] else {
      return .failure(.init("\"values\" is not an object"))
    }
    var entries: [ConfigDocument.Entry] = []
    for (key, value) in members {
      guard case .string(let text) = value else {
        return .failure(.init("the value of \(QuotedData.mark(key)) is not a string"))
      }
      entries.append(.init(key: key, value: text))
    }
    entries.sort { $0.key < $1.key }
    // Provenance: each element of "stamps" read on its own, one per key in order, when the
    // digest is of these keys.
    var document = ConfigDocument()
    document.set(entries.map { (key: $0.key, value: $0.value) })
    if let digest = json["written"]?["key_digest"]?.stringValue,
      case .array(let stamps)? = json["written"]?["stamps"],
      stamps.count == entries.count, digest == document.keyDigest
    {
      for (index, stamp) in stamps.enumerated() {
        entries[index].stamp = stamp.stringValue.flatMap { WriteStamp(stored: $0) } ?? .none
      }
    }
    return .success(entries)
  }

  /// Documents with provenance in the form tandem writes it (read in place) and in every
  /// other form (read in the general way), for the comparison with a full parse.
  var provenanceTexts: [String] {
    var abc = ConfigDocument()
    abc.set([(key: "a", value: "1"), (key: "b", value: "2"), (key: "c", value: "3")])
    let digest = abc.keyDigest
    let head =
      #"{"format": "tandem.config/1", "revision": 7, "values": {"a": "1", "b": "2", "c": "3"}, "written": "#
    let time = "2026-11-29T14:21:45.123Z"
    let other = "2026-11-29T14:21:46.000Z"
    var many = ConfigDocument()
    many.set((1...40).map { (key: "key\(100 + $0)", value: "v") })
    let values = many.entries.map { "\"\($0.key)\": \"v\"" }.joined(separator: ", ")
    let stamps = (1...40).map {
      $0 % 7 == 0 ? "null" : "\"\($0 % 3 == 0 ? other : time)\($0 % 2 == 0 ? " agent-\($0 % 5)" : "")\""
    }
    .joined(separator: ", ")
    func written(_ stamps: String, digest: String = digest) -> String {
      head + #"{"key_digest": "\#(digest)", "stamps": [\#(stamps)]}}"#
    }
    return [
      written(#""\#(time) agent-1", null, "\#(time)""#),
      written(#""\#(time) agent-1", "\#(time) agent-1", "\#(other) agent-2""#),
      written(#"null,null,null"#),
      written(#""2026-11-29T14:21:45.123Z", "2026-11-29T14:21:59.999Z a", "2026-11-29T14:22:00.000Z a""#),
      written(#""2026-11-29T23:59:59.999Z", "2026-11-30T23:59:00.001Z", "2026-11-30T23:59:07.xyzZ""#),
      written(#""1969-12-31T23:59:59.999Z", "1969-12-31T23:59:00.000Z", "0000-01-01T00:00:00.000Z""#),
      written(#" "\#(time) x" , "\#(time) x"  ,"\#(time)" "#),
      #"{"format": "tandem.config/1", "revision": 7, "values": {\#(values)}, "written": {"key_digest": "\#(many.keyDigest)", "stamps": [\#(stamps)]}}"#,
      // Not one per key, or for other keys.
      written(#""\#(time)", "\#(time)""#),
      written(#""\#(time)", "\#(time)", "\#(time)", "\#(time)""#),
      written(#"]"#),
      written(#""\#(time)", "\#(time)", "\#(time)""#, digest: "fnv1a-64:0000000000000000"),
      // Other forms: escapes, other times, ids that are not ids, other values.
      written(#""\#(time) agent\u002d1", "2026-11-29T14:21:45Z", "2026-11-29T16:21:45.5+02:00""#),
      written(#""\#(time) not an id", "\#(time) ", "\#(time) ../x""#),
      written(#""\#(time)agent", "\#(time) \#(String(repeating: "x", count: 65))", "yesterday""#),
      written(#"1, true, {"a": "b"}"#),
      written(#"nul, null, null"#),
      written(#""\#(time)" "\#(time)", null"#),
      written(#""\#(time)",, null"#),
      written(#""\#(time)", null, null,"#),
      head + #"{"stamps": ["\#(time)", null, null], "key_digest": "\#(digest)"}}"#,
      head + #"{"key_digest": "\#(digest)", "stamps": ["\#(time)", null, null], "more": 1}}"#,
      head + #"{"key_digest": "\#(digest)", "stamps": ["\#(time)", null, null], "stamps": []}}"#,
      head
        + #"{"key_digest": "\#(digest)", "key_digest": "\#(digest)", "stamps": ["\#(time)", null, null]}}"#,
      head + #"{"key_digest": "\#(digest)", "stamps": ["\#(time)", null, null]"#,
      head + #"{"key_digest": "\#(digest)", "stamps": ["2026-11-29T14:21:45.123Z"#,
      head + #"{"key_digest": 7, "stamps": ["\#(time)", null, null]}}"#,
      head + #""not an object"}"#,
      head + #"["a"]}"#,
      head + #"{}}"#,
      written(#""\#(time)", null, null"#).replacingOccurrences(of: "}}", with: "}, \"written\": {}}"),
      #"{"format": "tandem.config/1", "revision": 7, "written": {"key_digest": "\#(digest)", "stamps": ["\#(time) w", null, null]}, "values": {"a": "1", "b": "2", "c": "3"}}"#,
      #"{"format": "tandem.config/1", "revision": 7, "values": {"c": "3", "b": "2", "a": "1"}, "written": {"key_digest": "\#(digest)", "stamps": ["\#(time) w", null, null]}}"#,
    ]
  }

  @Test("the values parsed straight into entries fail and succeed exactly as a full parse")
  func liftedValuesMatchFullParse() {
    let head = #"{"format": "tandem.config/1", "revision": 7, "values": "#
    let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
    let many = (1...40).map { "\"key\(100 - $0)\": \"v\($0)\"" }.joined(separator: ", ")
    let texts: [String] =
      [
        head + #"{}}"#,
        head + #"{"b": "2", "a": "1", "c": "3"}}"#,
        head + "{\(many)}}",
        head + "{\(many), \"key70\": \"again\"}}",
        head + #"{"a": {"b": "c"}}}"#,
        head + #"{"a": 1, "b": }}"#,
        head + #"{"a": 1, "a": "2"}}"#,
        head + #"{"a": "1", "a": 2}}"#,
        head + "{\"a\": \(deep)}}",
        head + #"{"a": "1",}}"#,
        head + #"{"a" "1"}}"#,
        head + #"{"a": "1"} "#,
        head + #"{"a": "1"}} x"#,
        head + #"{"\u00e9": "1", "é": "2"}}"#,
        head + #"{"é": "1", "e\u0301": "2"}}"#,
        head + #"{"a\"b": "q\n", "\ud83d\ude80": "rocket"}}"#,
        head + #"{"a": "\ud800"}}"#,
        head + #""not an object"}"#,
        head + #"{"a": "1"}, "values": {"b": "2"}}"#,
        #"{"format": "tandem.config/1", "revision": 1, "nested": {"values": {"a": 1}}, "values": {"a": "1"}}"#,
        #"{"format": "tandem.config/1", "revision": 1, "nested": {"values": "x"}}"#,
        #"{"format": "tandem.config/1", "revision": 1}"#,
        #"{"format": "other", "values": {"a": 1}}"#,
        #"[{"format": "tandem.config/1", "revision": 1, "values": {}}]"#,
        #"{"values": {"a": 1}, "format": "tandem.config/1", "revision": -2}"#,
        "",
      ] + provenanceTexts
    for text in texts {
      var bytes = Array(text.utf8)
      if text.hasSuffix("} ") { bytes.removeLast() }
      let expected = referenceDecode(bytes)
      switch (
        Result { () throws(ConfigDocument.DecodingFailure) in
          try ConfigDocument.decode(bytes, format: configFormat)
        }, expected
      ) {
      case (.success(let document), .success(let entries)):
        #expect(document.entries == entries, "\(text)")
        #expect(document.revision == 7 || document.revision == 1, "\(text)")
      case (.failure(let failure), .failure(let reference)):
        #expect(failure.reason == reference.reason, "\(text)")
      case (let got, let reference):
        Issue.record("\(text): decoded as \(got), a full parse gives \(reference)")
      }
    }
    // Invalid UTF-8 in a key and in a value.
    for bad in [[0x22, 0xFF, 0x22, 0x3A, 0x22, 0x31, 0x22], [0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x22]]
      as [[UInt8]]
    {
      let bytes = Array(head.utf8) + [0x7B] + bad + Array("}}".utf8)
      guard case .failure(let reference) = referenceDecode(bytes) else {
        Issue.record("invalid UTF-8 accepted by the full parse")
        continue
      }
      #expect(throws: ConfigDocument.DecodingFailure.self) {
        try ConfigDocument.decode(bytes, format: configFormat)
      }
      do {
        _ = try ConfigDocument.decode(bytes, format: configFormat)
      } catch {
        #expect(error.reason == reference.reason)
      }
    }
  }

  @Test("a hand-written document in any order is read, and written back sorted")
  func unsortedHandWritten() throws {
    let members = (1...40).reversed().map { ("key\($0)", "value\($0)") }
    try directory.write("home/config.json", handWritten(members))
    let store = ConfigStore(home: home)
    let read = try store.read()
    #expect(read.count == 40 && read["key7"] == "value7" && read["key40"] == "value40")
    #expect(read.values == Dictionary(uniqueKeysWithValues: members))
    try store.update { $0["key7"] = "seven" }
    let saved = try JSONParser.parse(Array(directory.contents("home/config.json") ?? Data()))
    guard case .object(let values)? = saved["values"] else { Issue.record("no values"); return }
    #expect(values.map(\.0) == members.map(\.0).sorted())
    #expect(try store.read().entries.map(\.key) == members.map(\.0).sorted())
  }

  @Test("a document is saved as the bytes JSONWriter.pretty gives for it")
  func encodingMatchesWriter() throws {
    var document = ConfigDocument()
    #expect(
      document.encode(format: configFormat) == Array((JSONWriter.pretty(json(of: document)) + "\n").utf8))
    document["plain"] = "value"
    document["quote\"key"] = "line\nbreak \\ tab\t nul \u{0} del \u{7F} sep \u{2028}\u{2029} é 🚀"
    document["a.b"] = ""
    document.revision = 12
    document.updatedAtMilliseconds = 1_700_000_000_123
    // Not committed: no provenance, and no "written" member.
    var bytes = document.encode(format: configFormat)
    #expect(bytes == Array((JSONWriter.pretty(json(of: document)) + "\n").utf8))
    #expect(try ConfigDocument.decode(bytes, format: configFormat).hasSameValues(as: document))
    // Committed twice: every key with its provenance, from two writers.
    document = document.committed(at: 12, updatedAtMilliseconds: 1_700_000_000_123, writer: "agent-1")
    document["quote\"key"] = "changed"
    document = document.committed(at: 13, updatedAtMilliseconds: 1_700_000_000_999, writer: nil)
    bytes = document.encode(format: configFormat)
    #expect(bytes == Array((JSONWriter.pretty(json(of: document)) + "\n").utf8))
    let decoded = try ConfigDocument.decode(bytes, format: configFormat)
    #expect(decoded.entries == document.entries && decoded.revision == 13)
  }

  /// The document as a ``JSONValue``, the way it was saved before entries were written
  /// directly.
  func json(of document: ConfigDocument) -> JSONValue {
    // One stamp per run of keys in a row with the same one, and the runs when one is longer
    // than a key.
    var stamps: [JSONValue] = []
    var runs: [Int64] = []
    for entry in document.entries {
      let stamp: JSONValue = entry.provenance.map { .string($0.stored) } ?? .null
      if stamps.last == stamp {
        runs[runs.count - 1] += 1
      } else {
        stamps.append(stamp)
        runs.append(1)
      }
    }
    let written: JSONValue = .object(
      [("key_digest", .string(document.keyDigest)), ("stamps", .array(stamps))]
        + (runs.count < document.entries.count ? [("runs", .array(runs.map { .integer($0) }))] : []))
    return .object(
      [
        ("format", .string(configFormat)),
        ("revision", .integer(Int64(document.revision))),
        (
          "updated_at",
          document.updatedAtMilliseconds.map { .string(SystemClock.iso8601(wallMilliseconds: $0)) } ?? .null
        ),
        ("values", .object(document.entries.map { ($0.key, .string($0.value)) })),
      ] + (document.entries.contains { $0.provenance != nil } ? [("written", written)] : []))
  }

  @Test("values, set, remove and the subscript agree")
  func editing() {
    var document = ConfigDocument()
    document.values = ["b": "2", "a": "1", "c": "3"]
    #expect(document.entries.map(\.key) == ["a", "b", "c"])
    document.values["d"] = "4"
    #expect(document["d"] == "4" && document.count == 4)
    let many = (0..<40).map { (key: "m\($0)", value: "\($0)") }
    document.set(many + [(key: "a", value: "one")])
    #expect(document["a"] == "one" && document["m39"] == "39" && document.count == 44)
    document.set(many.map { (key: $0.key, value: "first") } + many.map { (key: $0.key, value: "last") })
    #expect(document["m0"] == "last" && document["m39"] == "last" && document.count == 44)
    document.remove(many.map(\.key) + ["missing", "b", "b"])
    #expect(document.values == ["a": "one", "c": "3", "d": "4"])
    document.remove(["c"])
    document["nothing"] = nil
    #expect(document.entries.map(\.key) == ["a", "d"])
    var other = ConfigDocument()
    other.values = ["d": "4", "a": "one"]
    #expect(document.hasSameValues(as: other))
    other["e"] = "5"
    other["a"] = "uno"
    #expect(other.entriesChanged(since: document).map(\.key) == ["a", "e"])
  }
}
