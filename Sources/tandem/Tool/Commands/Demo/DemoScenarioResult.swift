/// How one scenario went: the same agents without tandem and with it.
struct DemoScenarioResult: Encodable {
  /// A stable identifier: `read-modify-write`, `git-commit` or `token-refresh`.
  let name: String
  /// What the summary table calls it.
  let title: String
  /// How many agents ran at the same time.
  let agents: Int
  /// What each agent did, e.g. `10 increments`.
  let eachAgent: String
  /// What was done without tandem; nil when the scenario was skipped.
  var withoutTandem: DemoSide?
  /// What was done with tandem; nil when the scenario was skipped.
  var withTandem: DemoSide?
  /// Why the scenario could not run on this machine (e.g. git is not installed); nil when
  /// it ran.
  var skipped: String?
  /// How long the scenario took, both sides, in milliseconds.
  var durationMs: Int64 = 0

  /// Whether tandem's guarantee held: true when the scenario was skipped (nothing was shown
  /// either way), else the verdict of the side with tandem.
  var guaranteeHeld: Bool { withTandem?.held ?? true }

  private enum CodingKeys: CodingKey {
    case name, title, agents, eachAgent, withoutTandem, withTandem, guaranteeHeld, skipped, durationMs
  }

  /// Every member, the absent ones as `null` rather than left out.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(name, forKey: .name)
    try container.encode(title, forKey: .title)
    try container.encode(agents, forKey: .agents)
    try container.encode(eachAgent, forKey: .eachAgent)
    try container.encode(withoutTandem, forKey: .withoutTandem)
    try container.encode(withTandem, forKey: .withTandem)
    try container.encode(skipped == nil ? guaranteeHeld : nil, forKey: .guaranteeHeld)
    try container.encode(skipped, forKey: .skipped)
    try container.encode(durationMs, forKey: .durationMs)
  }
}

/// One side of a scenario: what the agents should have ended with, and what they did.
struct DemoSide: Encodable {
  /// What the agents should have ended with: increments, commits, agents holding a token.
  var expected: Int
  /// What they ended with.
  var kept: Int
  /// Commands that failed (an agent's `git` step, an agent logged out, a tandem error).
  var failedCommands: Int
  /// For `git-commit`: the failures that named `index.lock`.
  var indexLockFailures: Int?
  /// For `read-modify-write` with tandem: writes refused as stale (`--if-revision`, exit 6)
  /// and retried by their agent.
  var staleWritesRefused: Int?
  /// For `token-refresh`: the refresh requests the token endpoint received.
  var refreshRequests: Int?
  /// For `token-refresh`: how many different access tokens the agents ended with.
  var distinctTokens: Int?
  /// For the side with tandem: whether the guarantee held (nothing lost; for the token
  /// refresh also one refresh request and one token); nil for the side without tandem.
  var held: Bool?
  /// The summary table's cell.
  var summary: String

  /// What was lost.
  var lost: Int { max(0, expected - kept) }

  /// `lost` when something was lost (or a command failed), `no_loss_this_time` when the race
  /// did not show (races are timing-dependent), `nothing_lost` for the side with tandem that
  /// held.
  var outcome: String {
    if held == true { return "nothing_lost" }
    return lost > 0 || failedCommands > 0 || held == false ? "lost" : "no_loss_this_time"
  }

  private enum CodingKeys: CodingKey {
    case outcome, expected, kept, lost, failedCommands, indexLockFailures, staleWritesRefused
    case refreshRequests, distinctTokens, held, summary
  }

  /// Every member, those that do not apply as `null` rather than left out.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(outcome, forKey: .outcome)
    try container.encode(expected, forKey: .expected)
    try container.encode(kept, forKey: .kept)
    try container.encode(lost, forKey: .lost)
    try container.encode(failedCommands, forKey: .failedCommands)
    try container.encode(indexLockFailures, forKey: .indexLockFailures)
    try container.encode(staleWritesRefused, forKey: .staleWritesRefused)
    try container.encode(refreshRequests, forKey: .refreshRequests)
    try container.encode(distinctTokens, forKey: .distinctTokens)
    try container.encode(held, forKey: .held)
    try container.encode(summary, forKey: .summary)
  }
}
