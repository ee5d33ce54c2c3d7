import ArgumentParser

/// `tandem config`: the revisioned key-value documents.
struct ConfigCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "config",
    abstract: "Read and write configuration, layered per instance.",
    discussion: """
      With --instance-id, reads see the instance's value, else the shared one, and writes go \
      to the instance's document unless --scope shared. Without it, everything is the shared \
      document. Keys are dotted names of A-Z a-z 0-9 _ - (at most 256 bytes); values are \
      UTF-8 strings of at most 64 KiB; a document holds at most 10,000 keys and 4 MiB.
      """,
    subcommands: [ConfigSet.self, ConfigGet.self, ConfigUnset.self, ConfigList.self, ConfigRepair.self]
  )
}
