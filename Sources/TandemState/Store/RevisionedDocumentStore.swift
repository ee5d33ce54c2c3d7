/// A namespace's document with revisions: the contract every backend keeps.
///
/// - A read never sees a half-written document.
/// - ``update(timeout:ifRevision:intent:_:)`` runs its body on the current document while
///   no other writer of the same document (in any process, on any host the backend
///   serves) can commit, and commits a new revision; of two writers, neither loses the
///   other's change.
/// - With an expected revision, a writer whose document has moved on is refused with
///   ``StateError/Code/concurrentModification`` (reason `revision_mismatch`) and nothing is
///   written.
/// - Revisions only grow, even across a document's removal: a revision never names two
///   different documents (no ABA).
/// - The keys a transaction sets are recorded as written by its intent's
///   ``LockIntent/instanceID`` at the commit's time (``ConfigProvenance``;
///   ``ConfigDocument/committed(at:updatedAtMilliseconds:writer:)`` does it).
/// - A writer that cannot get in within its timeout gets
///   ``StateError/Code/concurrentModification`` (reason `lock_timeout`), with the holder
///   and a retry estimate where the backend can tell.
///
/// ``ConfigStore`` keeps it with files, kernel locks and atomic renames. A backend shared by
/// several hosts keeps it with its own mechanisms; `StoreContractTests` in the repository
/// check a backend against this list.
public protocol RevisionedDocumentStore: Sendable {
  /// The handle of the document's lock, held by ``acquireLock(timeout:intent:)``.
  associatedtype Held: HeldStateLock
  /// The namespace whose document this is.
  var namespace: Namespace { get }
  /// Where the document is, for messages.
  var path: String { get }

  /// The current document; a document never written reads as empty at revision 0.
  func read() throws(StateError) -> ConfigDocument

  /// Changes the document in one transaction; see the protocol's contract.
  @discardableResult
  func update<Result>(
    timeout: LockTimeout, ifRevision expectedRevision: UInt64?, intent: LockIntent?,
    _ body: (inout ConfigDocument) throws -> Result
  ) throws -> ConfigUpdate<Result>

  /// Moves a corrupt or exhausted document aside so that writes can start again.
  func repair(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> RepairOutcome

  /// Whether a writer holds the document now, and who.
  func lockStatus() throws(StateError) -> LockStatus

  /// Takes the lock that writers of this document take, and holds it until the returned
  /// lock is released: every write to the document waits meanwhile (`lock run` runs another
  /// command so). Times out as ``update(timeout:ifRevision:intent:_:)`` does.
  func acquireLock(timeout: LockTimeout, intent: LockIntent) throws(StateError) -> Held

  /// What ``update(timeout:ifRevision:intent:_:)`` would start from if it ran now, taking no
  /// lock and changing nothing (a dry run): the current document and the revision a write
  /// would give it, with the update's refusals (an outdated expected revision, a corrupt
  /// document, revisions that ran out).
  func previewUpdate(ifRevision expectedRevision: UInt64?) throws(StateError) -> UpdatePreview

  /// What ``repair(timeout:intent:)`` would do if it ran now, taking no lock and changing
  /// nothing: where a corrupt document would go, or no move when it is fine.
  func previewRepair() throws(StateError) -> RepairOutcome
}

extension ConfigStore: RevisionedDocumentStore {}
