/// The opaque token a list command hands out for its next page (`meta.cursor`) and takes
/// back with `--cursor`.
///
/// It names a position in the list's order, the last item of the page given, never an
/// offset: the next page starts after that item, so that items added or removed meanwhile
/// never make a page repeat or skip an item that exists throughout. It also names the list
/// (e.g. `config list`), so that a cursor passed to another command is refused rather than
/// read as a position of a different list. The text is URL-safe base64 of
/// `1:LIST:POSITION`; callers treat it as opaque.
public enum PageCursor {
  /// The longest cursor accepted: a position of up to 1 KiB and its list's name.
  static let maximumLength = 1_500

  /// The cursor for the page that follows `position` in `list`.
  public static func make(after position: String, list: String) -> String {
    Base64URL.encode(Array(("1:" + list + ":" + position).utf8))
  }

  /// The position `cursor` continues after, or `nil` when it is not a cursor of `list`.
  public static func position(of cursor: String, list: String) -> String? {
    guard cursor.utf8.count <= maximumLength, let bytes = Base64URL.decode(cursor),
      let text = String(validating: bytes, as: UTF8.self)
    else { return nil }
    let prefix = "1:" + list + ":"
    guard text.hasPrefix(prefix) else { return nil }
    let position = String(text.dropFirst(prefix.count))
    return position.isEmpty ? nil : position
  }
}
