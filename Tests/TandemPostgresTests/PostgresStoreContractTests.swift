import TandemPostgres
import TandemState
import TandemTestSupport
import Testing

/// The store and lock contract, checked on PostgreSQL with the same functions as the file
/// store (``StoreContract``).
@Suite("The PostgreSQL store keeps the store and lock contract", .needsPostgres)
struct PostgresStoreContractTests {
  @Test("a document never written reads as empty at revision 0; each update is the next revision")
  func revisions() throws { try StoreContract.checkRevisions(try TestDatabase.backend(), "postgres") }

  @Test("the keys an update sets are recorded as written by its intent's instance, the others keep theirs")
  func provenance() throws { try StoreContract.checkProvenance(try TestDatabase.backend(), "postgres") }

  @Test("a stale expected revision is refused and nothing is written")
  func staleRevision() throws { try StoreContract.checkStale(try TestDatabase.backend(), "postgres") }

  @Test("concurrent writers lose no update")
  func noLostUpdates() async throws {
    try await StoreContract.checkNoLostUpdates(try TestDatabase.backend(), "postgres")
  }

  @Test("a writer that cannot get in within its timeout is refused with lock_timeout")
  func lockTimeout() throws { try StoreContract.checkLockTimeout(try TestDatabase.backend(), "postgres") }

  @Test("the document's held lock keeps writers out until released; a dry run sees the next revision")
  func documentLock() throws { try StoreContract.checkDocumentLock(try TestDatabase.backend(), "postgres") }

  @Test("a cancelled wait for a named lock ends at once with CANCELLED")
  func cancelledWait() async throws {
    try await StoreContract.checkCancelled(try TestDatabase.backend(), "postgres")
  }
}
