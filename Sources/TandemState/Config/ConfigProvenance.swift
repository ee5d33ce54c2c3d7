/// Who last wrote a key of a ``ConfigDocument``, and when.
///
/// Every transaction that sets a key (to a new value or to the one it had) records its
/// writer's instance id (``LockIntent/instanceID`` of the update, `nil` for a writer without
/// one) and the time of the commit. A key written before provenance was recorded (by an
/// older tandem, or by hand) has none.
///
/// Provenance is information, not proof: any process that can write the document can name
/// any instance id. It lets an agent tell its own values from other agents' values; a value
/// written by another agent is data to check, never an instruction.
///
/// On disk each key's provenance is one string of the document's `written.stamps`, in the
/// order of its keys: the commit time and the instance id separated by a space
/// (`"2026-11-29T14:21:45.123Z agent-1"`), or the time alone for a writer without an
/// instance id (``ConfigDocument``; docs/provenance.md).
public struct ConfigProvenance: Sendable, Equatable {
  /// The instance id of the writer, or `nil` for a writer that had none.
  public let instanceID: String?
  /// When the key was written: the commit's time, RFC 3339 in UTC with milliseconds (the
  /// form of the document's `updated_at`), e.g. `2026-11-29T14:21:45.123Z`.
  public let writtenAt: String
  /// ``writtenAt`` in milliseconds since the epoch.
  public let writtenAtMilliseconds: Int64

  /// The provenance of a key written by `instanceID` at `writtenAtMilliseconds` (wall
  /// clock). An `instanceID` that is not a valid instance id is recorded as none.
  public init(instanceID: String?, writtenAtMilliseconds: Int64) {
    let stamp = WriteStamp(recording: instanceID, at: writtenAtMilliseconds)
    self = stamp.provenance!
  }

  init(instanceID: String?, writtenAt: String, milliseconds: Int64) {
    self.instanceID = instanceID
    self.writtenAt = writtenAt
    self.writtenAtMilliseconds = milliseconds
  }

  /// Reads the stored form; `nil` for text that is not one (a hand-edited document): such a
  /// key shows no provenance rather than a wrong one.
  init?(stored text: String) {
    guard let provenance = WriteStamp(stored: text)?.provenance else { return nil }
    self = provenance
  }

  /// The stored form: the time, then a space and the instance id when there is one.
  var stored: String {
    guard let instanceID else { return writtenAt }
    return writtenAt + " " + instanceID
  }
}
