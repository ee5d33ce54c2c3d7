// Fuzz target 1: every decoder of bytes that come from disk or from a token endpoint.
//
// The same input goes to each decoder in turn (the JSON parser, config documents, credential
// files, lock records, token responses, RFC 3339 timestamps). Besides crashes, each accepted
// input must survive a round trip: whatever a decoder accepts, the matching encoder writes
// back, and decoding that again gives the same value. A violated property traps, so libFuzzer
// saves the input like any crash.

@testable import TandemState

/// The format tags of the documents fuzzed: the reference tool's.
let configFormat = "tandem.config/1"
let credentialsFormat = "tandem.credentials/1"

#if canImport(Glibc)
  import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  checkJSON(bytes)
  checkConfigDocument(bytes)
  checkAccountRecord(bytes)
  checkLockRecord(bytes)
  checkTokenResponse(bytes)
  checkTimestamp(bytes)
  return 0
}

/// Keeps a result alive: the optimizer may drop an unused computation, and with it the
/// overflow check that would have trapped.
@_optimize(none)
func use<T>(_ value: T) {}

/// Stops the run with a message; libFuzzer saves the input as a crash.
func violated(_ property: String, _ bytes: [UInt8]) -> Never {
  fatalError("property violated: \(property); input: \(String(decoding: bytes.prefix(512), as: UTF8.self))")
}

// MARK: - JSON

/// The writer prints a double with no fraction below 1e15 as an integer, so a round trip may
/// turn `.double(3)` into `.integer(3)`: the same JSON number, compared after normalizing.
func normalized(_ value: JSONValue) -> JSONValue {
  switch value {
  case .double(let number) where number.rounded() == number && abs(number) < 1e15:
    return .integer(Int64(number))
  case .array(let elements): return .array(elements.map(normalized))
  case .object(let members): return .object(members.map { ($0.0, normalized($0.1)) })
  default: return value
  }
}

func checkJSON(_ bytes: [UInt8]) {
  guard let value = try? JSONParser.parse(bytes) else { return }
  // Strictness: only valid UTF-8 is ever accepted.
  guard String(validating: bytes, as: UTF8.self) != nil else { violated("accepted invalid UTF-8", bytes) }
  for text in [JSONWriter.compact(value), JSONWriter.pretty(value)] {
    let again: JSONValue
    do {
      again = try JSONParser.parse(text)
    } catch {
      violated("the writer's output does not parse (\(error)): \(text)", bytes)
    }
    guard normalized(again) == normalized(value) else {
      violated("parse -> write -> parse changed the value", bytes)
    }
    // The written text is a fixed point: writing what was read back gives the same bytes.
    guard JSONWriter.compact(again) == JSONWriter.compact(value) else {
      violated("writing is not stable across a round trip", bytes)
    }
  }
  // A compact document is one line: the envelope relies on it.
  guard !JSONWriter.compact(value).utf8.contains(0x0A) else {
    violated("compact output has a newline", bytes)
  }
}

// MARK: - Config documents

func checkConfigDocument(_ bytes: [UInt8]) {
  guard let document = try? ConfigDocument.decode(bytes, format: configFormat) else { return }
  let encoded = document.encode(format: configFormat)
  let again: ConfigDocument
  do {
    again = try ConfigDocument.decode(encoded, format: configFormat)
  } catch {
    violated("an encoded document does not decode (\(error.reason))", bytes)
  }
  guard again == document else {
    violated(
      "decode -> encode -> decode changed the document (revision \(document.revision) -> \(again.revision), "
        + "updated_at \(String(describing: document.updatedAtMilliseconds)) -> "
        + "\(String(describing: again.updatedAtMilliseconds)))", bytes)
  }
  guard again.encode(format: configFormat) == encoded else { violated("encoding is not stable", bytes) }
  // What the next write makes of it (ConfigStore.update refuses the last revision there is).
  guard document.revision < UInt64(Int64.max) else { return }
  var next = document
  next.revision += 1
  next.updatedAtMilliseconds = SystemClock.wallMilliseconds()
  guard (try? ConfigDocument.decode(next.encode(format: configFormat), format: configFormat)) == next else {
    violated("the next revision of a document does not read back", bytes)
  }
}

// MARK: - Credential files

func checkAccountRecord(_ bytes: [UInt8]) {
  guard let record = AccountRecord.decode(bytes, format: credentialsFormat) else { return }
  roundTrip(record, bytes)
  // What `auth token` and the store compute from a stored token set.
  if let tokens = record.tokens {
    use(tokens.isValid(forAtLeast: 60_000))
    use(tokens.isValid(forAtLeast: 0))
    use(SystemClock.iso8601(wallMilliseconds: tokens.expiresAtMilliseconds))
    use(tokens.expiresAtMilliseconds - SystemClock.wallMilliseconds())  // `auth status`
  }
  if let interrupted = record.interruptedRefresh {
    use(SystemClock.iso8601(wallMilliseconds: interrupted.startedAtMilliseconds))
  }
  // What a refresh stores next: one generation later, which reads back the same (below the
  // 2^62 that a decoder caps a stored generation at).
  guard record.generation < UInt64(Int64.max / 2) else { return }
  var next = record
  next.generation += 1
  next.interruptedRefresh = AccountRecord.InterruptedRefresh(
    pid: 4242, startedAtMilliseconds: SystemClock.wallMilliseconds())
  roundTrip(next, bytes)
}

func roundTrip(_ record: AccountRecord, _ bytes: [UInt8]) {
  guard let again = AccountRecord.decode(record.encode(format: credentialsFormat), format: credentialsFormat) else {
    violated("an encoded account record does not decode", bytes)
  }
  guard again == record else { violated("decode -> encode -> decode changed the account record", bytes) }
}

// MARK: - Lock records

@_silgen_name("memfd_create")
func memfdCreate(_ name: UnsafePointer<CChar>, _ flags: UInt32) -> Int32

/// An anonymous in-memory file: lock records are read with `pread` from a descriptor, and
/// the fuzzer must not touch the disk.
let lockFile: Int32 = {
  let fd = memfdCreate("fuzz-lock-record", 0)
  precondition(fd >= 0, "memfd_create failed")
  return fd
}()

func storeInLockFile(_ bytes: [UInt8]) {
  ftruncate(lockFile, 0)
  _ = bytes.withUnsafeBytes { pwrite(lockFile, $0.baseAddress, $0.count, 0) }
}

func checkLockRecord(_ bytes: [UInt8]) {
  // A record that does not parse is read again a few times with short sleeps (a writer may
  // be halfway through); only hand over what parses, so the fuzzer does not sleep.
  let head = Array(bytes.prefix(LockRecord.size))
  var end = head.count
  while end > 0 && (head[end - 1] == 0x20 || head[end - 1] == 0x0A || head[end - 1] == 0) { end -= 1 }
  guard end > 0, (try? JSONParser.parse(Array(head[0..<end]))) != nil else { return }
  storeInLockFile(head)
  guard let record = LockRecord.read(from: lockFile) else {
    violated("a parsable lock record was not read", bytes)
  }
  // What waiters, `lock status` and the holder's release compute from it.
  let now = SystemClock.wallMilliseconds()
  let held = record.holder?.heldMilliseconds(now: now)
  use(RetryAdvice.afterLockTimeout(heldMilliseconds: held, meanHoldMicroseconds: record.meanHoldMicroseconds))
  var released = record
  released.recordHold(microseconds: 1_500)
  use(released)
  // Writing it back and reading it again keeps everything that fits in the record.
  storeInLockFile([])
  record.write(to: lockFile)
  guard let again = LockRecord.read(from: lockFile) else {
    violated("a written lock record does not read", bytes)
  }
  if again.holder != nil {
    guard again.holds == record.holds, again.meanHoldMicroseconds == record.meanHoldMicroseconds,
      again.holder?.pid == record.holder?.pid, again.holder?.instanceID == record.holder?.instanceID,
      again.holder?.acquiredAtMilliseconds == record.holder?.acquiredAtMilliseconds
    else { violated("write -> read changed the lock record", bytes) }
  }
}

// MARK: - Token endpoint and helper answers

func checkTokenResponse(_ bytes: [UInt8]) {
  guard let tokens = try? TokenResponse.parse(bytes, keeping: "old-refresh-token") else { return }
  use(tokens.isValid(forAtLeast: 60_000))
  use(SystemClock.iso8601(wallMilliseconds: tokens.expiresAtMilliseconds))
  // What the store saves after a refresh reads back the same.
  var record = AccountRecord(name: "fuzz", source: .command("true"), generation: 1, tokens: tokens)
  record.interruptedRefresh = nil
  roundTrip(record, bytes)
}

// MARK: - Timestamps

func checkTimestamp(_ bytes: [UInt8]) {
  guard bytes.count <= 64, let text = String(validating: bytes, as: UTF8.self),
    let milliseconds = SystemClock.parseRFC3339(text)
  else { return }
  let written = SystemClock.iso8601(wallMilliseconds: milliseconds)
  guard SystemClock.parseRFC3339(written) == milliseconds else {
    violated("parseRFC3339 -> iso8601 -> parseRFC3339 changed \(text) (written as \(written))", bytes)
  }
}
