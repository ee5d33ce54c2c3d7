public import ArgumentParser
public import TandemState

extension CompletionKind {
  /// Completes an instance id from the tool's state home: the directories under
  /// `instances/` of `PREFIX_HOME`, else of the default home.
  ///
  /// The shell lists the directory itself (one `sh` with built-ins only), so completing
  /// does not start the tool. A home given with the home option on the same line is not
  /// looked at.
  ///
  /// ```swift
  /// @Argument(help: "The instance id.", completion: .instanceIDs(of: Notes.identity))
  /// var id: String
  /// ```
  public static func instanceIDs(of tool: ToolIdentity) -> CompletionKind {
    .shellCommand(InstanceIDCompletion.command(tool))
  }
}

/// The shell command behind ``ArgumentParser/CompletionKind/instanceIDs(of:)``.
enum InstanceIDCompletion {
  /// A command that prints the home's instance ids, one a line, and nothing when there is
  /// no home. It runs in `sh`, whichever shell completes: bash, zsh and fish all read a
  /// single-quoted word the same way, and fish could not read the parameter expansions.
  static func command(_ tool: ToolIdentity) -> String {
    let fallback: String
    switch tool.homeLocation {
    case .dotDirectory:
      fallback = "$HOME/.\(tool.name)"
    case .platformDefault:
      // A relative XDG_CONFIG_HOME is invalid and ignored, as the tool itself does.
      fallback =
        "$(case $XDG_CONFIG_HOME in /*) echo \"$XDG_CONFIG_HOME\";; *) echo \"$HOME/.config\";; esac)/\(tool.name)"
    }
    let script =
      "cd \"${\(tool.homeVariable):-\(fallback)}/\(StateHome.instancesDirectoryName)\" 2>/dev/null"
      + " && for d in */; do [ -d \"$d\" ] && printf \"%s\\n\" \"${d%/}\"; done"
    return "sh -c '" + script + "'"
  }
}
