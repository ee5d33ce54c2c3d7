/// Account records as files in a state home: `credentials/NAME.json` (mode 0600), locked
/// through `credentials/NAME.json.lock` with the kernel's open-file-description locks.
///
/// The lock file also keeps how many generations were issued (as a document's lock file
/// keeps its revisions), so that a login after a logout continues the count.
struct FileAccountRecords: AccountRecordStore {
  /// The state home.
  let home: StateHome

  /// The format tag of account records, from the home's tool: `NAME.credentials/1`.
  var recordFormat: String { home.tool.documentFormat(AccountRecord.formatKind, version: 1) }

  var location: String { home.path }

  /// Processes on one machine: the pid in the mark says who was refreshing.
  var refreshingHost: String? { nil }

  func path(of account: String) -> String {
    home.displayPath([CredentialStore.directoryName, account + ".json"])
  }

  func record(_ account: String) throws(StateError) -> AccountRecord? {
    guard let directory = try home.openDirectory([CredentialStore.directoryName], create: false) else {
      return nil
    }
    return try read(account, in: directory)
  }

  func records() throws(StateError) -> [AccountRecord] {
    guard let directory = try home.openDirectory([CredentialStore.directoryName], create: false) else {
      return []
    }
    var result: [AccountRecord] = []
    for entry in try directory.entries().sorted() where entry.hasSuffix(".json") && !entry.hasPrefix(".") {
      let name = String(entry.dropLast(5))
      guard InstanceID.isValid(name), let record = try read(name, in: directory) else { continue }
      result.append(record)
    }
    return result
  }

  func lock(_ account: String, timeout: LockTimeout, intent: LockIntent) throws(StateError) -> LockedDirectory
  {
    try LockAcquisition.acquire(
      home: home, directory: [CredentialStore.directoryName], name: account + ".json.lock", timeout: timeout,
      intent: intent)
  }

  func lock(_ account: String, timeout: LockTimeout, intent: LockIntent) async throws(StateError)
    -> LockedDirectory
  {
    try await LockAcquisition.acquire(
      home: home, directory: [CredentialStore.directoryName], name: account + ".json.lock", timeout: timeout,
      intent: intent)
  }

  func record(_ account: String, under locked: LockedDirectory) throws(StateError) -> AccountRecord? {
    try read(account, in: locked.directory)
  }

  /// Saves only while the lock file is still the locked one (see
  /// ``LockedDirectory/commit(_:as:synchronizeDirectory:)``), and notes the generation in
  /// the lock file for a login after a logout.
  func save(_ record: AccountRecord, under locked: LockedDirectory) throws(StateError) {
    try locked.commit(record.encode(format: recordFormat), as: record.name + ".json")
    locked.lock.noteCommitted(revision: record.generation &+ 1)
  }

  func remove(_ account: String, under locked: LockedDirectory) throws(StateError) {
    try locked.directory.removeFile(account + ".json")
    try locked.directory.synchronize()
  }

  func issuedGenerations(under locked: LockedDirectory) -> UInt64 {
    locked.lock.historicalRevision
  }

  func release(_ locked: LockedDirectory) {
    locked.lock.release()
  }

  private func read(_ account: String, in directory: DirectoryHandle) throws(StateError) -> AccountRecord? {
    guard let bytes = try directory.readFile(account + ".json", limit: StateLimits.maximumDocumentBytes)
    else {
      return nil
    }
    // A record naming another account (a file copied or edited by hand) is corrupt too: its
    // answer would be saved under that name, over the other account, without its lock.
    guard let record = AccountRecord.decode(bytes, format: recordFormat), record.name == account else {
      var error = StateError(
        .stateCorrupt, "\(path(of: account)) is corrupt; it was left untouched", path: path(of: account))
      error.fixRequired = "move the file aside, then log in to account \(account) again"
      throw error
    }
    return record
  }
}
