/// One of the demo's stories: the same concurrent agents without tandem, then with it.
protocol DemoScenario {
  /// Runs both sides, telling `narration` what happens; stops early on a signal.
  func run(_ narration: DemoNarration) throws(DemoInterruption.Interrupted) -> DemoScenarioResult
}
