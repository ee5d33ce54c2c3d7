import TandemState

/// The global options in `--help`: one section, written from the tool's identity and option
/// names, added to the help of every command (the options are declared once, for the whole
/// tool, not in each command).
enum GlobalOptionsHelp {
  /// One global option as help and the manifest describe it.
  struct Entry {
    var option: GlobalOptions.Name
    /// The value's placeholder in help, e.g. `<dir>`.
    var placeholder: String
    var text: String
  }

  /// The tool's default home as help shows it: `~/.tandem`, `$XDG_CONFIG_HOME/notes`.
  static func defaultHome(of tool: ToolIdentity) -> String {
    tool.homeLocation == .dotDirectory ? "~/.\(tool.name)" : "$XDG_CONFIG_HOME/\(tool.name)"
  }

  /// The global options, described in the tool's names.
  static func entries(tool: ToolIdentity, names: GlobalOptionNames) -> [Entry] {
    let home = defaultHome(of: tool)
    return [
      Entry(
        option: .home, placeholder: "<dir>",
        text: "State directory (env \(names.environmentVariable(.home, tool: tool)); default \(home); "
          + "a leading ~ is expanded from HOME)."),
      Entry(
        option: .instanceID, placeholder: "<id>",
        text:
          "This agent's namespace (env \(names.environmentVariable(.instanceID, tool: tool)); default: shared)."
      ),
      Entry(
        option: .lockTimeout, placeholder: "<duration>",
        text: "How long writes wait for a lock: 0, 250ms, 5s, 2m (env "
          + "\(names.environmentVariable(.lockTimeout, tool: tool)); default 5s)."),
      Entry(
        option: .output, placeholder: "<format>",
        text: "text or json (env \(names.environmentVariable(.output, tool: tool)); default text)."),
      Entry(
        option: .store, placeholder: "<url>",
        text: "Keep state in the store at this URL, SCHEME://..., not in the home's files (env "
          + "\(names.environmentVariable(.store, tool: tool)); default: the home's files)."),
    ]
  }

  /// `help` with the global options section added.
  static func appended(to help: String, tool: ToolIdentity, names: GlobalOptionNames) -> String {
    let rows = entries(tool: tool, names: names).map { entry in
      let short = names.shortFlag(entry.option).map { $0 + ", " } ?? ""
      return (short + "\(names.flag(entry.option)) \(entry.placeholder)", entry.text)
    }
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
