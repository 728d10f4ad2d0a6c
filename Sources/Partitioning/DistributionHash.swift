import ShardQLBase

/// The fixed 64-bit hash that decides which shard a row's distribution value belongs to.
///
/// **Definition (stable forever: data placement depends on it).** `XXH64(seed: 0)` over this canonical
/// encoding of the value — after the column's affinity has been applied:
///
/// - NULL (and a NaN REAL, which SQLite stores as NULL): `00`.
/// - INTEGER, and a REAL that is integral and exactly an Int64 (`5.0`; `-0.0` as 0; −2^63):
///   `01` + the Int64, 8 bytes little endian.
/// - Any other REAL (`0.5`, `1e20`, 2^63, ±Inf): `02` + its IEEE-754 bit pattern, 8 bytes little endian.
/// - TEXT: `03` + ``Collation/key(for:)`` of the text under the column's collation.
/// - BLOB: `04` + the bytes.
///
/// So `5` and `5.0` hash alike (SQLite compares them equal), `'Ab'` and `'aB'` hash alike under NOCASE,
/// and `'x '` and `'x'` under RTRIM. Never Swift's `Hasher`, which is seeded per process.
package enum DistributionHash {
    /// Encoding tags; part of the stable definition.
    private enum Tag: UInt8 {
        case null = 0x00
        case integer = 0x01
        case real = 0x02
        case text = 0x03
        case blob = 0x04
    }

    /// The hash of a value that already has the column's affinity applied (see ``Affinity/apply(to:)``).
    package static func hash(_ value: SQLValue, collation: Collation) -> UInt64 {
        XXHash64.hash(canonicalEncoding(of: value, collation: collation), seed: 0)
    }

    /// The hash of `value` as it will be stored in a column with `affinity` and `collation`:
    /// applies the affinity first, so `'5'` into an INTEGER column hashes like `5`.
    package static func hash(_ value: SQLValue, affinity: Affinity, collation: Collation) -> UInt64 {
        hash(affinity.apply(to: value), collation: collation)
    }

    /// The bytes that are hashed (exposed for tests and diagnostics).
    package static func canonicalEncoding(of value: SQLValue, collation: Collation) -> [UInt8] {
        switch value {
        case .null:
            return [Tag.null.rawValue]
        case .integer(let integer):
            return integerEncoding(integer)
        case .real(let real):
            if real.isNaN { return [Tag.null.rawValue] }
            if let integer = exactInt64(real) { return integerEncoding(integer) }
            var bytes = [Tag.real.rawValue]
            withUnsafeBytes(of: real.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            return bytes
        case .text(let text):
            return [Tag.text.rawValue] + collation.key(for: text)
        case .blob(let blob):
            return [Tag.blob.rawValue] + blob
        }
    }

    private static func integerEncoding(_ integer: Int64) -> [UInt8] {
        var bytes = [Tag.integer.rawValue]
        withUnsafeBytes(of: integer.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The Int64 equal to `real`, if there is one (−2^63 is; 2^63 is not).
    private static func exactInt64(_ real: Double) -> Int64? {
        guard real >= -9223372036854775808.0, real < 9223372036854775808.0 else { return nil }
        return Int64(exactly: real)
    }
}
