import Foundation
import TandemTestSupport
import Testing

/// `config list` and `instances list` one page at a time (`--limit`, `--cursor`,
/// `meta.truncated`, `meta.cursor`), through the binary.
@Suite("Paging of lists", .serialized)
struct PagingTests {
  /// One page: what it listed and the envelope's paging fields.
  struct Page {
    let keys: [String]
    let truncated: Bool?
    let cursor: String?
    let result: TandemBinary.Result
  }

  /// Lists one page of `command` (e.g. `["config", "list"]`); `items` names the data member
  /// that holds the list and `id` the member of an item that names it.
  func page(
    _ home: Home, _ command: [String], items: String = "entries", id: String = "key", limit: Int? = nil,
    cursor: String? = nil
  ) throws -> Page {
    var arguments = command
    if let limit { arguments += ["--limit", String(limit)] }
    if let cursor { arguments += ["--cursor", cursor] }
    let result = try home.run(arguments)
    let listed = (result.data?[items] as? [[String: Any]]) ?? []
    let meta = result.envelope?["meta"] as? [String: Any]
    return Page(
      keys: listed.compactMap { $0[id] as? String }, truncated: meta?["truncated"] as? Bool,
      cursor: meta?["cursor"] as? String, result: result)
  }

  /// Every page of `command` from the first, following `meta.cursor` until a page without
  /// one (bounded, so that a cursor that never ends fails the test instead of hanging it).
  func allPages(
    _ home: Home, _ command: [String], items: String = "entries", id: String = "key", limit: Int? = nil,
    maximumPages: Int = 1_000
  ) throws -> [Page] {
    var pages: [Page] = []
    var cursor: String?
    repeat {
      let next = try page(home, command, items: items, id: id, limit: limit, cursor: cursor)
      #expect(next.result.status == 0, "\(next.result.standardOutput) \(next.result.standardError)")
      pages.append(next)
      cursor = next.cursor
      if next.result.status != 0 { break }
    } while cursor != nil && pages.count < maximumPages
    #expect(cursor == nil, "still more pages after \(maximumPages)")
    return pages
  }

  /// The envelopes of `pages` against the schema.
  func expectValidEnvelopes(_ pages: [Page]) throws {
    let problems = try SchemaValidator.validateEnvelopes(
      pages.map { ($0.result.standardOutput, $0.result.status) })
    #expect(problems.isEmpty, "\(problems)")
  }

  /// Checks that every page but the last is marked truncated with a cursor and has at
  /// most `size` keys, and that the last has neither mark.
  func expectMarks(_ pages: [Page], size: Int) {
    for (index, page) in pages.enumerated() {
      #expect(page.keys.count <= size, "page \(index) has \(page.keys.count) keys")
      if index < pages.count - 1 {
        #expect(page.truncated == true && page.cursor != nil, "page \(index) is not marked as one page")
        #expect(page.keys.count == size, "page \(index) of several has \(page.keys.count) keys, not \(size)")
      } else {
        #expect(page.truncated == nil && page.cursor == nil, "the last page is marked truncated")
      }
    }
  }

  @Test("a 10,000-key document listed page by page gives every key exactly once, in order")
  func tenThousandKeys() throws {
    let home = Home()
    let keys = (1...10_000).map { "k\($0)" }
    let built = try home.run(["config", "set"] + keys.map { "\($0)=v-\($0)" })
    #expect(built.status == 0, "\(built.standardError)")
    let expected = keys.sorted()

    // The default page size of JSON output.
    let byDefault = try allPages(home, ["config", "list"])
    #expect(byDefault.count == 100)
    #expect(byDefault.flatMap(\.keys) == expected)
    expectMarks(byDefault, size: 100)
    try expectValidEnvelopes(byDefault)

    // An explicit limit that does not divide the document: 12 pages of 777 and one of 676.
    let explicit = try allPages(home, ["config", "list"], limit: 777)
    #expect(explicit.map(\.keys.count) == Array(repeating: 777, count: 12) + [676])
    #expect(explicit.flatMap(\.keys) == expected)
    expectMarks(explicit, size: 777)
    try expectValidEnvelopes(explicit)

    // --limit 0 is everything, in one unmarked page; a limit past the end likewise.
    for limit in [0, 10_000, 20_000] {
      let everything = try page(home, ["config", "list"], limit: limit)
      #expect(everything.keys == expected && everything.truncated == nil && everything.cursor == nil)
    }

    // Text output is complete unless --limit is given; with it, the cursor is on standard
    // error and continues where the page stopped.
    let text = try home.run(["config", "list"], json: false)
    #expect(text.status == 0 && text.standardOutput.split(separator: "\n").count == 10_000)
    #expect(text.standardError.isEmpty)
    let firstText = try home.run(["config", "list", "--limit", "3"], json: false)
    #expect(firstText.standardOutput == expected.prefix(3).map { "\($0)=v-\($0)\n" }.joined())
    let marker = try #require(firstText.standardError.range(of: "--cursor "), "\(firstText.standardError)")
    let textCursor = firstText.standardError[marker.upperBound...].prefix { $0 != " " && $0 != "\n" }
    let secondText = try home.run(
      ["config", "list", "--limit", "3", "--cursor", String(textCursor)], json: false)
    #expect(secondText.standardOutput == expected[3..<6].map { "\($0)=v-\($0)\n" }.joined())
  }

  @Test("pages of the layered view merge the instance and the shared document without gaps")
  func layeredPages() throws {
    let home = Home()
    // Shared: even numbers; instance: multiples of 3 (some shadow shared keys).
    try home.run(["config", "set"] + stride(from: 0, to: 300, by: 2).map { "n\(1000 + $0)=shared" })
    try home.run(
      ["config", "set"] + stride(from: 0, to: 300, by: 3).map { "n\(1000 + $0)=mine" }, instance: "a")
    var seen: [String: String] = [:]
    var order: [String] = []
    var cursor: String?
    repeat {
      var arguments = ["config", "list", "--limit", "7"]
      if let cursor { arguments += ["--cursor", cursor] }
      let result = try home.run(arguments, instance: "a")
      #expect(result.status == 0)
      for entry in (result.data?["entries"] as? [[String: Any]]) ?? [] {
        let key = entry["key"] as! String
        order.append(key)
        seen[key] = entry["scope"] as? String
      }
      cursor = (result.envelope?["meta"] as? [String: Any])?["cursor"] as? String
    } while cursor != nil && order.count < 1_000
    let expected = Set((0..<300).filter { $0 % 2 == 0 || $0 % 3 == 0 }.map { "n\(1000 + $0)" })
    #expect(order == expected.sorted())
    #expect(seen["n1006"] == "instance" && seen["n1002"] == "shared" && seen["n1003"] == "instance")
  }

  @Test(
    "paging while other processes add and remove keys never repeats or skips a key that exists throughout")
  func pagingUnderConcurrentWrites() throws {
    let home = Home()
    // 2,000 keys that exist throughout, between which other processes keep adding and
    // removing keys, before and after the page being read: an offset would shift.
    let stable = (1...2_000).map { String(format: "k%05d.a", $0) }
    try home.run(["config", "set"] + stable.map { "\($0)=stable" })
    // Each writer walks the whole key space in its own order, adding a key beside a stable
    // one and removing the one it added a few steps before, until told to stop.
    let stop = home.directory.appending("stop")
    let writers = try (0..<3).map { writer in
      try home.agent(
        """
        n=0
        while [ ! -e "\(stop)" ]; do
          n=$(( (n + 389 * (\(writer) + 1)) % 2000 + 1 ))
          key=$(printf 'k%05d.b%d' "$n" \(writer))
          "$1" --home "$2" config set "$key=churn" >/dev/null 2>&1
          [ -n "$old" ] && "$1" --home "$2" config unset "$old" >/dev/null 2>&1
          old=$key
        done
        """)
    }
    defer {
      _ = FileManager.default.createFile(atPath: stop, contents: nil)
      for writer in writers { _ = writer.wait() }
    }
    // Wait until the writers are writing, so that the listing starts under churn.
    let start = try #require(home.run(["config", "get", "k00001.a"]).data?["revision"] as? Int)
    var waited = 0
    while (try home.run(["config", "get", "k00001.a"]).data?["revision"] as? Int ?? 0) < start + 5
      && waited < 500
    {
      usleep(20_000)
      waited += 1
    }

    let pages = try allPages(home, ["config", "list"], limit: 40)
    _ = FileManager.default.createFile(atPath: stop, contents: nil)
    let listed = pages.flatMap(\.keys)
    // Strictly ascending across every page: no key twice, never back.
    #expect(zip(listed, listed.dropFirst()).allSatisfy { $0 < $1 }, "a key was listed twice or out of order")
    let missing = Set(stable).subtracting(listed)
    #expect(missing.isEmpty, "keys that existed throughout were skipped: \(missing.sorted().prefix(10))")
    // The document really changed while it was listed (else this proves nothing).
    let revisions = pages.compactMap { ($0.result.data?["revisions"] as? [String: Any])?["shared"] as? Int }
    #expect(revisions.count == pages.count)
    #expect((revisions.last ?? 0) > (revisions.first ?? 0) + 10, "\(revisions)")
    try expectValidEnvelopes(pages)
  }

  @Test("a malformed cursor is INVALID_ARGUMENT, exit 2, in JSON and in text")
  func malformedCursor() throws {
    let home = Home()
    try home.run(["config", "set", "a=1", "b=2", "c=3"])
    try home.run(["config", "set", "x=1"], instance: "one")
    try home.run(["config", "set", "x=1"], instance: "two")
    let first = try page(home, ["config", "list"], limit: 1)
    let configCursor = try #require(first.cursor)
    let instancesCursor = try #require(
      try page(home, ["instances", "list"], items: "instances", id: "id", limit: 1).cursor)
    let malformed = [
      "", "not a cursor", "!!!!", "YQ", configCursor + "x", String(configCursor.dropLast()),
      // Valid base64 of something else, and a cursor of the other list.
      Data("hello".utf8).base64EncodedString(), instancesCursor,
    ]
    var results: [TandemBinary.Result] = []
    for cursor in malformed {
      let refused = try home.run(["config", "list", "--cursor", cursor])
      #expect(
        refused.status == 2 && refused.errorCode == "INVALID_ARGUMENT", "\(cursor): \(refused.standardOutput)"
      )
      #expect((refused.error?["message"] as? String)?.contains("--cursor") == true)
      results.append(refused)
      let text = try home.run(["config", "list", "--cursor", cursor], json: false)
      #expect(text.status == 2 && text.standardError.contains("INVALID_ARGUMENT"))
    }
    let wrongList = try home.run(["instances", "list", "--cursor", configCursor])
    #expect(wrongList.status == 2 && wrongList.errorCode == "INVALID_ARGUMENT")
    results.append(wrongList)
    let negative = try home.run(["config", "list", "--limit=-1"])
    #expect(negative.status == 2 && negative.errorCode == "INVALID_ARGUMENT")
    results.append(negative)
    // The same through the full parser (no fast route).
    let slow = try TandemBinary.run(
      home.args(["config", "list", "--cursor", "!!!!"]), environment: ["TANDEM_FAST_PATH": "0"])
    #expect(slow.status == 2 && slow.errorCode == "INVALID_ARGUMENT")
    results.append(slow)
    let problems = try SchemaValidator.validateEnvelopes(results.map { ($0.standardOutput, $0.status) })
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("instances list pages by id: 100 by default in JSON, --limit, every instance once")
  func instancesPages() throws {
    let home = Home()
    let ids = (1...105).map { String(format: "agent-%03d", $0) }
    // Instance namespaces are created by a write; a few processes at a time.
    for chunk in stride(from: 0, to: ids.count, by: 15) {
      let results = try TandemBinary.runTogether(
        ids[chunk..<min(chunk + 15, ids.count)].map { home.args(["config", "set", "x=1"], instance: $0) })
      #expect(results.allSatisfy { $0.status == 0 })
    }
    let byDefault = try allPages(home, ["instances", "list"], items: "instances", id: "id")
    #expect(byDefault.map(\.keys.count) == [100, 5])
    #expect(byDefault.flatMap(\.keys) == ids)
    expectMarks(byDefault, size: 100)
    let explicit = try allPages(home, ["instances", "list"], items: "instances", id: "id", limit: 40)
    #expect(explicit.map(\.keys.count) == [40, 40, 25])
    #expect(explicit.flatMap(\.keys) == ids)
    expectMarks(explicit, size: 40)
    try expectValidEnvelopes(byDefault + explicit)
    let text = try home.run(["instances", "list"], json: false)
    #expect(text.status == 0 && text.standardOutput.split(separator: "\n").count == 105)
  }
}
