public import ArgumentParser
import TandemState

/// Finds the commands of a tool that declare an option with the name of one of its global
/// options, long or short: the global option would take that option's value before the
/// command saw it (a tool's own `export --output report.txt`, or `export -o report.txt`,
/// read as an output format).
public enum OptionCollisions {
  /// One command option that a global option shadows.
  package struct Collision: Sendable, Equatable, CustomStringConvertible {
    /// The command, e.g. `export` (empty for the root).
    package var command: String
    /// The option's flag, e.g. `--output`.
    package var flag: String

    package var description: String {
      "\(command.isEmpty ? "the root command" : "command \"\(command)\"") declares \(flag)"
    }
  }

  /// The collisions in `root`'s tree as one sentence for the tool's author, or `nil`. Call it
  /// from a test of your tool (a debug build of ``CommandLineTool`` also checks at start-up).
  public static func problem<Root: ParsableCommand>(in root: Root.Type, names: GlobalOptionNames) -> String? {
    problem(in: root as any ParsableCommand.Type, names: names, path: [])
  }

  /// ``problem(in:names:)`` for the subtree of `command`, found at `path` in its tool.
  static func problem(in command: any ParsableCommand.Type, names: GlobalOptionNames, path: [String])
    -> String?
  {
    let collisions = find(in: command, names: names, path: path)
    guard !collisions.isEmpty else { return nil }
    return collisions.map(\.description).joined(separator: "; ")
      + ", which is also the name of a global option; rename the command's option, or give the global "
      + "option another name (GlobalOptionNames, whose outputShort may be nil)"
  }

  /// The collisions in `root`'s whole command tree, read from swift-argument-parser's own
  /// description of the tree (the `--experimental-dump-help` JSON).
  package static func find<Root: ParsableCommand>(in root: Root.Type, names: GlobalOptionNames) -> [Collision]
  {
    find(in: root as any ParsableCommand.Type, names: names, path: [])
  }

  /// The collisions in the subtree of `node`, found at `start` in its tool.
  static func find(in node: any ParsableCommand.Type, names: GlobalOptionNames, path start: [String])
    -> [Collision]
  {
    guard let tree = try? JSONParser.parse(Array(node._dumpHelp().utf8)), let command = tree["command"] else {
      return []
    }
    let globals = GlobalOptions.Name.allCases.map { names.name(of: $0) }
    // The output format's short name (`-o`) takes its value from the command line the same way.
    let short = names.outputShort.map { String($0) }
    var found: [Collision] = []
    func visit(_ node: JSONValue, _ path: [String]) {
      if case .array(let arguments)? = node["arguments"] {
        for argument in arguments {
          guard case .array(let argumentNames)? = argument["names"] else { continue }
          for name in argumentNames {
            guard let kind = name["kind"]?.stringValue, let text = name["name"]?.stringValue else { continue }
            if kind == "long", globals.contains(text) {
              found.append(Collision(command: path.joined(separator: " "), flag: "--" + text))
            } else if kind == "short", let short, text == short {
              found.append(Collision(command: path.joined(separator: " "), flag: "-" + text))
            }
          }
        }
      }
      if case .array(let children)? = node["subcommands"] {
        for child in children { visit(child, path + [child["commandName"]?.stringValue ?? "?"]) }
      }
    }
    visit(command, start)
    return found
  }
}
