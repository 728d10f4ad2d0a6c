import ShardQLBase

/// One of SQLite's built-in collating sequences for TEXT.
///
/// A distribution column with a collation hashes the collation's ``key(for:)``, so values that are
/// equal under the collation land on the same shard; ``compare(_:_:)`` orders TEXT exactly as SQLite
/// does (for merges on the coordinator).
public enum Collation: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `memcmp` of the bytes, the shorter first on a tie.
    case binary = "BINARY"
    /// BINARY after folding ASCII `A`–`Z` to lower case; other bytes (all non-ASCII) compare as they are.
    case nocase = "NOCASE"
    /// BINARY after removing trailing spaces (0x20 only, not tabs or newlines).
    case rtrim = "RTRIM"

    /// The collation named `name`, case-insensitively (`nocase`, `Binary`); nil for unknown names.
    public init?(name: String) {
        switch name.uppercased() {
        case "BINARY": self = .binary
        case "NOCASE": self = .nocase
        case "RTRIM": self = .rtrim
        default: return nil
        }
    }

    public var description: String { rawValue }

    /// Bytes that are equal for two texts exactly when SQLite's collation calls them equal.
    ///
    /// BINARY: the bytes. RTRIM: the bytes without trailing spaces. NOCASE: the bytes with ASCII
    /// upper case lowered — except that SQLite's NOCASE stops comparing at the first NUL byte (it uses
    /// `sqlite3StrNICmp`) and then only compares lengths, so for a text containing NUL the key is the
    /// folded bytes up to and including the first NUL followed by the total length (8 bytes, little
    /// endian). Such a key always contains a 0x00, which a NUL-free text's key never does.
    public func key(for text: SQLText) -> [UInt8] {
        switch self {
        case .binary:
            return text.bytes
        case .rtrim:
            return Array(Self.trimmingTrailingSpaces(text.bytes[...]))
        case .nocase:
            let bytes = text.bytes
            guard let nul = bytes.firstIndex(of: 0) else { return bytes.map(Self.foldASCII) }
            var key = bytes[...nul].map(Self.foldASCII)
            withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { key.append(contentsOf: $0) }
            return key
        }
    }

    /// SQLite's comparison of two TEXT values under this collation: negative, zero or positive
    /// (normalised to −1, 0, 1), the way `ORDER BY`, `min`/`max` and `=` see them.
    public func compare(_ lhs: SQLText, _ rhs: SQLText) -> Int {
        switch self {
        case .binary:
            return Self.binaryCompare(lhs.bytes[...], rhs.bytes[...])
        case .rtrim:
            return Self.binaryCompare(
                Self.trimmingTrailingSpaces(lhs.bytes[...]), Self.trimmingTrailingSpaces(rhs.bytes[...]))
        case .nocase:
            return Self.nocaseCompare(lhs.bytes, rhs.bytes)
        }
    }

    /// `binCollFunc`: memcmp over the common length, then the shorter first.
    private static func binaryCompare(_ lhs: ArraySlice<UInt8>, _ rhs: ArraySlice<UInt8>) -> Int {
        for (left, right) in zip(lhs, rhs) where left != right {
            return left < right ? -1 : 1
        }
        return lhs.count == rhs.count ? 0 : (lhs.count < rhs.count ? -1 : 1)
    }

    /// `nocaseCollatingFunc`: `sqlite3StrNICmp` over the common length (which stops at a NUL in the
    /// left text), then the shorter first.
    private static func nocaseCompare(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
        let common = min(lhs.count, rhs.count)
        var index = 0
        var difference = 0
        while index < common {
            let left = foldASCII(lhs[index])
            let right = foldASCII(rhs[index])
            if lhs[index] == 0 || left != right {
                difference = Int(left) - Int(right)
                break
            }
            index += 1
        }
        if difference == 0 { difference = lhs.count - rhs.count }
        return difference == 0 ? 0 : (difference < 0 ? -1 : 1)
    }

    private static func trimmingTrailingSpaces(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = bytes.endIndex
        while end > bytes.startIndex && bytes[end - 1] == 0x20 { end -= 1 }
        return bytes[bytes.startIndex..<end]
    }

    private static func foldASCII(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }
}
