import TandemState

/// The global options in `--help`: one section, written from the tool's identity and option
/// names, added to the help of every command (the options are declared once, for the whole
/// tool, not in each command).
enum GlobalOptionsHelp {
  /// `help` with the global options section added.
  static func appended(to help: String, tool: ToolIdentity, names: GlobalOptionNames) -> String {
    let home = tool.homeLocation == .dotDirectory ? "~/.\(tool.name)" : "$XDG_CONFIG_HOME/\(tool.name)"
    let rows: [(String, String)] = [
      (
        "\(names.flag(.home)) <dir>",
        "State directory (env \(names.environmentVariable(.home, tool: tool)); default \(home))."
      ),
      (
        "\(names.flag(.instanceID)) <id>",
        "This agent's namespace (env \(names.environmentVariable(.instanceID, tool: tool)); default: shared)."
      ),
      (
        "\(names.flag(.lockTimeout)) <duration>",
        "How long writes wait for a lock: 0, 250ms, 5s, 2m (env "
          + "\(names.environmentVariable(.lockTimeout, tool: tool)); default 5s)."
      ),
      (
        "\(names.flag(.output)) <format>",
        "text or json (env \(names.environmentVariable(.output, tool: tool)); default text)."
      ),
    ]
    let width = rows.map { $0.0.count }.max() ?? 0
    var section = "GLOBAL OPTIONS (before or after the subcommand):\n"
    for (flag, text) in rows {
      section += "  " + flag + String(repeating: " ", count: width - flag.count + 2) + text + "\n"
    }
    var result = help.hasSuffix("\n") ? help : help + "\n"
    result += "\n" + section
    return result
  }
}
