import Foundation
import TandemTestSupport
import Testing

@testable import TandemState

/// ``LayeredConfig/page(of:after:limit:)`` against the simplest reference: every winner
/// (``LayeredConfig/winners(_:)``), those after the cursor, the first `limit` of them.
@Suite("Pages of the layered view")
struct LayeredPageTests {
  let directory = TemporaryDirectory()
  var home: StateHome { StateHome(path: directory.appending("home"), tool: .tandem) }

  /// A document with `keys`, each set to `value`.
  func document(_ keys: [String], _ value: String) -> ConfigDocument {
    var document = ConfigDocument()
    document.set(keys.map { (key: $0, value: value) })
    return document
  }

  @Test("every page equals the reference, for documents that overlap, nest or are empty")
  func matchesReference() {
    var generator = SystemRandomNumberGenerator()
    let store = ConfigStore(home: home)
    for round in 0..<200 {
      let universe = (0..<Int.random(in: 0...60, using: &generator)).map { "k\(1000 + $0 * 3)" }
      let nearKeys = universe.filter { _ in Bool.random(using: &generator) }
      let farKeys = universe.filter { _ in Int.random(in: 0..<3, using: &generator) > 0 }
      let layers: [[(ConfigScope, ConfigStore, ConfigDocument)]] = [
        [(.instance, store, document(nearKeys, "near")), (.shared, store, document(farKeys, "far"))],
        [(.shared, store, document(farKeys, "far"))],
      ]
      for documents in layers {
        let all = LayeredConfig.winners(documents)
        // Cursors before, at, between and after the keys.
        let cursors: [String?] = [nil, "a", "k1000", "k1001", "k1090", "z"] + all.map(\.key).prefix(3)
        for cursor in cursors {
          for limit in [nil, 0, 1, 2, 5, 17, 1_000, Int.max] as [Int?] {
            let page = LayeredConfig.page(of: documents, after: cursor, limit: limit)
            let after = all.filter { cursor == nil || $0.key > cursor! }
            let expected = limit.map { Array(after.prefix($0)) } ?? after
            #expect(
              page.entries == expected,
              "round \(round), after \(String(describing: cursor)), limit \(String(describing: limit))")
            #expect(page.hasMore == (expected.count < after.count))
          }
        }
      }
    }
  }

  @Test("following the last key of each page lists every key once, nearest layer winning")
  func followsPages() {
    let store = ConfigStore(home: home)
    let near = document((0..<50).map { "n\(100 + $0 * 2)" }, "near")
    let far = document((0..<80).map { "n\(100 + $0)" }, "far")
    let documents: [(ConfigScope, ConfigStore, ConfigDocument)] = [
      (.instance, store, near), (.shared, store, far),
    ]
    var listed: [LayeredConfig.Entry] = []
    var cursor: String?
    var pages = 0
    while true {
      let page = LayeredConfig.page(of: documents, after: cursor, limit: 7)
      listed += page.entries
      pages += 1
      guard page.hasMore, pages < 100 else { break }
      cursor = page.entries.last?.key
    }
    #expect(listed == LayeredConfig.winners(documents))
    #expect(listed.count == 90 && pages == 13)
    #expect(listed.first { $0.key == "n102" }?.scope == .instance)
    #expect(listed.first { $0.key == "n103" }?.scope == .shared)
  }
}
