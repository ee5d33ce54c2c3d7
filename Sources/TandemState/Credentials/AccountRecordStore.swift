/// Where ``AccountCredentials`` keeps its accounts: account records, each with a lock of its
/// own that every process (and, for a shared store, every host) takes for the same account.
///
/// The single-flight refresh is written once, in ``AccountCredentials``, on these few
/// operations; a store supplies them with its own mechanisms. The file store
/// (``CredentialStore``) keeps `credentials/NAME.json` under a kernel lock on
/// `credentials/NAME.json.lock`; a database keeps a row under an advisory lock. What every
/// store must give:
///
/// - A read, with or without the lock, never sees half a record.
/// - Taking an account's lock excludes every other holder of the same account's
///   lock, in any process the store serves, until ``release(_:)`` or the holder's death; a
///   lock that stays busy past `timeout` is ``StateError/Code/concurrentModification``
///   (reason `lock_timeout`), with the holder where the store can tell.
/// - ``save(_:under:)`` and ``remove(_:under:)`` take effect only while the lock is still
///   held (a lock lost meanwhile is an error, and nothing is written), atomically and
///   durably, without secrets anywhere but in the record itself.
/// - ``issuedGenerations(under:)`` remembers how many generations were issued under the
///   account's name even after ``remove(_:under:)``, so that a generation never names two
///   different token sets.
public protocol AccountRecordStore: Sendable {
  /// An account's lock, held.
  associatedtype Locked: Sendable

  /// Where the accounts are, for messages (a home's path, a database's location).
  var location: String { get }

  /// Where one account's record is, for messages.
  func path(of account: String) -> String

  /// The host named in the mark a refresh leaves while its request is out, when hosts share
  /// the store; nil when the store serves one machine (the process id says enough).
  var refreshingHost: String? { get }

  /// An account's record read without its lock, or nil when there is none. Throws
  /// ``StateError/Code/stateCorrupt`` for a record that cannot be read, leaving it untouched.
  func record(_ account: String) throws(StateError) -> AccountRecord?

  /// Every account's record, sorted by name.
  func records() throws(StateError) -> [AccountRecord]

  /// Takes the account's lock, blocking the calling thread while it waits.
  func lock(_ account: String, timeout: LockTimeout, intent: LockIntent) throws(StateError) -> Locked

  /// Takes the account's lock, suspending the task while it waits; a cancelled task stops
  /// waiting at once with ``StateError/Code/cancelled``, holding nothing.
  func lock(_ account: String, timeout: LockTimeout, intent: LockIntent) async throws(StateError) -> Locked

  /// The account's record as it is now, read under its lock; nil when there is none.
  func record(_ account: String, under lock: Locked) throws(StateError) -> AccountRecord?

  /// Replaces the account's record with `record`, only while `lock` is still held.
  func save(_ record: AccountRecord, under lock: Locked) throws(StateError)

  /// Removes the account's record, only while `lock` is still held.
  func remove(_ account: String, under lock: Locked) throws(StateError)

  /// One more than the highest generation ever saved under the account's name, removals
  /// included (0 if none): where a new login continues the count.
  func issuedGenerations(under lock: Locked) throws(StateError) -> UInt64

  /// Lets the lock go.
  func release(_ lock: Locked)
}
