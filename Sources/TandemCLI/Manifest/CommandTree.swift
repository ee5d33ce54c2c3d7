import ArgumentParser
import TandemState

/// A tool's command tree as swift-argument-parser itself describes it (the JSON of
/// `--experimental-dump-help`), joined to the Swift command types, so that the manifest is
/// generated from the definitions the parser uses and can never drift from them.
struct CommandTree {
  /// One command.
  struct Node {
    /// The words after the tool's name, e.g. `["config", "set"]`; empty for the root.
    var path: [String]
    /// The Swift type; `nil` for swift-argument-parser's built-in `help`.
    var type: (any ParsableCommand.Type)?
    var abstract: String
    var aliases: [String]
    var arguments: [Argument]
    var children: [Node]
  }

  /// One option, flag or positional argument.
  struct Argument {
    enum Kind: String { case positional, option, flag }
    var kind: Kind
    /// The long name without dashes, or for a positional argument its value name.
    var name: String
    var short: String?
    var valueName: String?
    var defaultValue: String?
    var allValues: [String]?
    var isOptional: Bool
    var isRepeating: Bool
    var abstract: String
    var discussion: String
  }

  var root: Node

  /// The tree of `root`.
  init<Root: ParsableCommand>(_ root: Root.Type) {
    let description = (try? JSONParser.parse(Root._dumpHelp())) ?? .null
    self.root = Self.node(description["command"] ?? .null, type: root, path: [])
  }

  /// Every command, depth first, the root first.
  var allNodes: [Node] {
    var result: [Node] = []
    func visit(_ node: Node) {
      result.append(node)
      node.children.forEach(visit)
    }
    visit(root)
    return result
  }

  private static func node(_ json: JSONValue, type: (any ParsableCommand.Type)?, path: [String]) -> Node {
    let childTypes = type?.configuration.subcommands ?? []
    var children: [Node] = []
    if case .array(let described) = json["subcommands"] ?? .null {
      for (index, child) in described.enumerated() {
        let name = child["commandName"]?.stringValue ?? ""
        // The parser lists the subcommands in their declared order, then its own `help`.
        let childType = index < childTypes.count ? childTypes[index] : nil
        children.append(Self.node(child, type: childType, path: path + [name]))
      }
    }
    var arguments: [Argument] = []
    if case .array(let described) = json["arguments"] ?? .null {
      arguments = described.compactMap(Self.argument)
    }
    return Node(
      path: path, type: type, abstract: json["abstract"]?.stringValue ?? "",
      aliases: strings(json["aliases"]), arguments: arguments, children: children)
  }

  private static func argument(_ json: JSONValue) -> Argument? {
    guard let kind = json["kind"]?.stringValue.flatMap(Argument.Kind.init(rawValue:)) else { return nil }
    let names: [JSONValue]
    if case .array(let list) = json["names"] ?? .null { names = list } else { names = [] }
    let long = names.first { $0["kind"]?.stringValue == "long" }?["name"]?.stringValue
    let short = names.first { $0["kind"]?.stringValue == "short" }?["name"]?.stringValue
    let valueName = json["valueName"]?.stringValue
    guard let name = kind == .positional ? valueName : (long ?? short) else { return nil }
    let values = strings(json["allValues"])
    return Argument(
      kind: kind, name: name, short: short, valueName: valueName,
      defaultValue: json["defaultValue"]?.stringValue, allValues: values.isEmpty ? nil : values,
      isOptional: json["isOptional"]?.boolValue ?? true, isRepeating: json["isRepeating"]?.boolValue ?? false,
      abstract: json["abstract"]?.stringValue ?? "", discussion: json["discussion"]?.stringValue ?? "")
  }

  private static func strings(_ json: JSONValue?) -> [String] {
    guard case .array(let list) = json ?? .null else { return [] }
    return list.compactMap(\.stringValue)
  }
}
