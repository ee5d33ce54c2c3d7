import TandemState

/// The error codes tandem's commands share, by what they touch; each command's contract
/// names its own on top.
enum FailureSets {
  /// Reading a state file under the home.
  static let read: [StateError.Code] = [.stateCorrupt, .unsafeStatePath, .permissionDenied]
  /// Writing a document under its lock.
  static let write: [StateError.Code] =
    read + [.concurrentModification, .writeUnconfirmed, .diskFull, .readOnlyFileSystem, .limitExceeded]
  /// Getting a token: the refresh, by the provider or the credential helper.
  static let token: [StateError.Code] =
    write + [
      .credentialsMissing, .credentialsExpired, .refreshRevoked, .accessDenied, .unavailable, .refreshTimeout,
      .refreshFailed, .setupRequired, .notFound,
    ]
}
