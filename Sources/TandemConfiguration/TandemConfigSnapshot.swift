public import Configuration
public import TandemState

/// The documents a ``TandemConfigProvider`` read at one reload: the instance's over the shared
/// one.
///
/// Each document is one whole revision (Tandem replaces a document by an atomic rename, and the
/// provider reads it with ``ConfigStore/read()``), so a snapshot never holds half of a write.
/// The two documents are read one after the other, as `tandem config get` reads them: a
/// snapshot pairs each document's latest revision at the moment it was read.
public struct TandemConfigSnapshot: ConfigSnapshot, Sendable {
  /// The name of the provider that took the snapshot.
  public let providerName: String
  /// The instance's document, when the provider reads for an instance.
  public let instanceDocument: ConfigDocument?
  /// The shared document.
  public let sharedDocument: ConfigDocument

  /// Which values are secret, by Tandem key and value.
  let secrets: SecretsSpecifier<String, String>
  /// Converts the stored strings.
  let parser: ConfigValueParser

  init(
    providerName: String, instanceDocument: ConfigDocument?, sharedDocument: ConfigDocument,
    secrets: SecretsSpecifier<String, String>, parser: ConfigValueParser
  ) {
    self.providerName = providerName
    self.instanceDocument = instanceDocument
    self.sharedDocument = sharedDocument
    self.secrets = secrets
    self.parser = parser
  }

  /// The value of a Tandem key that wins in this snapshot, with the document it came from: the
  /// instance's value where it has one, else the shared one.
  public func entry(forKey key: String) -> LayeredValue? {
    if let instanceDocument, let value = instanceDocument[key] {
      return LayeredValue(key: key, value: value, scope: .instance, revision: instanceDocument.revision)
    }
    if let value = sharedDocument[key] {
      return LayeredValue(key: key, value: value, scope: .shared, revision: sharedDocument.revision)
    }
    return nil
  }

  /// Whether both snapshots hold the same revisions with the same values.
  func hasSameDocuments(as other: TandemConfigSnapshot) -> Bool {
    instanceDocument == other.instanceDocument && sharedDocument == other.sharedDocument
  }

  /// The value of `key` as `type`; `nil` in the result when no document has the key.
  ///
  /// - Throws: ``ConfigValueConversionError`` when the stored string does not convert.
  public func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
    let tandemKey = TandemKeyEncoder.encode(key)
    guard let entry = entry(forKey: tandemKey) else {
      return LookupResult(encodedKey: tandemKey, value: nil)
    }
    let isSecret = secrets.isSecret(key: tandemKey, value: entry.value)
    do {
      let content = try parser.parse(entry.value, as: type, quoting: !isSecret)
      return LookupResult(encodedKey: tandemKey, value: ConfigValue(content, isSecret: isSecret))
    } catch {
      throw ConfigValueConversionError(
        key: tandemKey, type: type, scope: entry.scope, revision: entry.revision, reason: error.reason)
    }
  }
}
