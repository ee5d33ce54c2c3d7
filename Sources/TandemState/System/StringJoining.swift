extension Array where Element == String {
  /// The elements joined with `separator`.
  ///
  /// The same as `joined(separator:)`, written out for `[String]` alone: the generic version
  /// makes the runtime look up an associated-type witness on first use, which costs a
  /// measurable share of a short command's start-up (docs/benchmarks.md).
  package func joined(with separator: String) -> String {
    var result = ""
    for (index, element) in enumerated() {
      if index > 0 { result += separator }
      result += element
    }
    return result
  }
}
