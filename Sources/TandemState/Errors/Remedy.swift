/// What a caller can do about an error, said without naming any tool's options or commands.
///
/// The state layer knows *what* fixes an error (repair this document, log in to this
/// account); only the tool knows its own command for it. So a ``StateError`` carries a
/// typed remedy, and the tool's command-line layer turns it into text and a runnable command
/// in its own words (TandemCLI does this with the tool's `advice(for:in:)`).
public enum Remedy: Hashable, Sendable {
  /// Read the document again (it is at `currentRevision`), reapply the change, and write
  /// again expecting that revision.
  case rereadDocument(Namespace, currentRevision: UInt64)
  /// Move the corrupt or exhausted document `fileName` of a namespace aside, so that it
  /// starts again (``ConfigStore/repair(timeout:intent:)``).
  case repairDocument(Namespace, fileName: String)
  /// Log in to `account` (again).
  case logIn(account: String)
  /// Log in to a first account.
  case logInFirst
  /// Choose an account: name one, or make one the active account.
  case chooseAccount
  /// Ask for a shorter minimum validity than the access tokens the provider issues.
  case askForShorterValidity
  /// Wait longer for locks: raise the tool's lock timeout.
  case raiseLockTimeout
  /// Use a state home on a writable file system.
  case chooseWritableHome
  /// Name a state home: `HOME` is not set and no home was given.
  case nameHome
  /// Set the environment variable `name` in the environment that runs the tool.
  case setEnvironmentVariable(String)
}
