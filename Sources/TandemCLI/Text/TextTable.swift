/// A list in text mode: for a person at a terminal, aligned columns under a header; for a
/// pipe or a file, one tab-separated line per row and no header, so that `cut -f2`,
/// `while IFS=$'\t' read ...` and `wc -l` see only the rows (the convention of `gh`).
///
/// Every cell goes through ``TextEscaping/escape(_:)``: stored data can add neither a line
/// nor a column (a tab in a cell is written `\t`).
///
/// ```swift
/// var text: String? {
///   TextTable(header: ["ID", "LAST WRITE"], rows: instances.map { [$0.id, $0.lastWrite] })
///     .rendered(forTerminal: context.standardOutputIsTerminal)
/// }
/// ```
public struct TextTable: Sendable {
  /// The column titles, shown only at a terminal.
  public var header: [String]
  /// The rows, each with one cell per column (missing cells are empty).
  public var rows: [[String]]

  /// A table with these column titles and rows.
  public init(header: [String], rows: [[String]]) {
    self.header = header
    self.rows = rows
  }

  /// The table as text, without a final newline: aligned under its header when `terminal`,
  /// else tab-separated rows alone. A table without rows is empty text either way, so that
  /// an empty list prints nothing.
  public func rendered(forTerminal terminal: Bool) -> String {
    guard !rows.isEmpty else { return "" }
    let escaped = rows.map { $0.map(TextEscaping.escape) }
    guard terminal else { return escaped.map { $0.joined(separator: "\t") }.joined(separator: "\n") }
    let columns = max(header.count, escaped.map(\.count).max() ?? 0)
    let all = [header] + escaped
    var widths = [Int](repeating: 0, count: columns)
    for row in all {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.unicodeScalars.count) }
    }
    return all.map { row in
      var line = ""
      for index in 0..<columns {
        let cell = index < row.count ? row[index] : ""
        line += cell
        // Two spaces between columns; none after the last, so no line ends in spaces.
        if index < columns - 1 {
          line += String(repeating: " ", count: widths[index] - cell.unicodeScalars.count + 2)
        }
      }
      while line.hasSuffix(" ") { line.removeLast() }
      return line
    }.joined(separator: "\n")
  }
}
