/// The table the demo ends with: one row per scenario, what happened without tandem and
/// with it.
enum DemoSummaryTable {
  /// The table, one line per row, columns padded to line up.
  static func render(_ scenarios: [DemoScenarioResult]) -> String {
    var rows = [["scenario", "without tandem", "with tandem"]]
    for scenario in scenarios {
      let title = "\(scenario.title) (\(scenario.agents) agents)"
      if let skipped = scenario.skipped {
        // The reason's first clause: the narration above has the whole of it.
        let reason = skipped.firstRange(of: " (").map { String(skipped[..<$0.lowerBound]) } ?? skipped
        rows.append([title, "skipped: " + reason, ""])
      } else {
        rows.append([
          title, scenario.withoutTandem?.summary ?? "",
          (scenario.withTandem?.summary ?? "") + (scenario.guaranteeHeld ? "" : "  <- FAILED"),
        ])
      }
    }
    let widths = (0..<2).map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
      var line = ""
      for (index, cell) in row.enumerated() {
        line += index < 2 ? cell + String(repeating: " ", count: widths[index] - cell.count + 3) : cell
      }
      return line.trimmingTrailingWhiteSpace()
    }.joined(separator: "\n")
  }
}
