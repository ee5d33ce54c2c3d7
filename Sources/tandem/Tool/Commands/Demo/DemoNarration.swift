#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// What the demo tells as it goes. In text mode each line goes to standard output at once,
/// so that a person sees each scenario as it runs rather than a pause of several seconds;
/// in JSON mode nothing is printed but the envelope at the end.
final class DemoNarration {
  private let streaming: Bool
  private var readerGone = false

  /// A narration printed as it goes when `streaming`, else silent.
  init(streaming: Bool) {
    self.streaming = streaming
    // A reader that goes away (`tandem demo | head`) then gives EPIPE instead of killing the
    // demo before it stops its agents and removes its directory; the processes it starts
    // get the default back (the spawner resets every signal).
    if streaming { signal(SIGPIPE, SIG_IGN) }
  }

  /// Prints one line (or several, separated by new lines).
  func line(_ text: String = "") {
    guard streaming, !readerGone else { return }
    readerGone = !DemoFile.writeAll(Array((text + "\n").utf8), to: STDOUT_FILENO)
  }

  /// "1 agent", "2 agents": a count and its noun, in the plural (`noun` + "s" unless given)
  /// unless the count is 1.
  static func count(_ number: Int, _ noun: String, plural: String? = nil) -> String {
    "\(number) " + (number == 1 ? noun : plural ?? noun + "s")
  }
}
