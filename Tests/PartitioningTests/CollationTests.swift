import ShardQLBase
import SQLiteCore
import Testing

@testable import Partitioning

@Suite("Collations match SQLite's")
struct CollationTests {
    @Test func namesAreCaseInsensitive() {
        #expect(Collation(name: "nocase") == .nocase)
        #expect(Collation(name: "Binary") == .binary)
        #expect(Collation(name: "RTRIM") == .rtrim)
        #expect(Collation(name: "unicode") == nil)
    }

    @Test func keys() {
        #expect(Collation.binary.key(for: "AbC ") == Array("AbC ".utf8))
        #expect(Collation.nocase.key(for: "AbC ÀÉ") == Array("abc ÀÉ".utf8))  // ASCII only
        #expect(Collation.rtrim.key(for: "ab  ") == Array("ab".utf8))
        #expect(Collation.rtrim.key(for: "ab\t ") == Array("ab\t".utf8))  // spaces only, not tabs
        #expect(Collation.rtrim.key(for: "   ") == [])
    }

    static let samples: [SQLText] = [
        "", " ", "a", "A", "a ", "A  ", "b", "B", "ab", "aB", "Ab", "AB", "ab ", "a b", "abc", "ABC", "[", "_", "`",
        "é", "É", "z", "Z", "\t", "a\t", "ß", "SS", "ss", "0", "10", "9", "~", "\u{7F}",
        SQLText(bytes: [0x61, 0x00, 0x78]), SQLText(bytes: [0x41, 0x00, 0x79]), SQLText(bytes: [0x61, 0x00]),
        SQLText(bytes: [0x61, 0x00, 0x78, 0x78]), SQLText(bytes: [0x00]), SQLText(bytes: [0xFF]),
        SQLText(bytes: [0xC3, 0x28]),
    ]

    /// Every pair of samples, compared by SQLite (`<`, `=`) and by us; keys (and so hashes) are equal
    /// exactly when SQLite says the texts are equal.
    @Test(arguments: Collation.allCases)
    func compareAndKeysAgreeWithSQLite(_ collation: Collation) throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let sql = "SELECT (?1 COLLATE \(collation.rawValue) > ?2) - (?1 COLLATE \(collation.rawValue) < ?2)"
        for lhs in Self.samples {
            for rhs in Self.samples {
                let statement = try connection.cachedStatement(sql)
                try statement.bind([.text(lhs), .text(rhs)])
                let expected = try statement.rows()[0][0]
                #expect(
                    .integer(Int64(collation.compare(lhs, rhs))) == expected,
                    "\(collation): \(lhs.bytes) vs \(rhs.bytes)")
                let equalKeys = collation.key(for: lhs) == collation.key(for: rhs)
                #expect(equalKeys == (expected == .integer(0)), "\(collation) keys: \(lhs.bytes) vs \(rhs.bytes)")
                let equalHashes = DistributionHash.hash(.text(lhs), collation: collation)
                    == DistributionHash.hash(.text(rhs), collation: collation)
                #expect(equalHashes == equalKeys)
            }
        }
    }

    @Test func equalUnderCollationMeansSameShard() throws {
        let ranges = try ShardRanges(count: 64)
        #expect(
            ranges.shardIndex(for: .text("Hello"), affinity: .text, collation: .nocase)
                == ranges.shardIndex(for: .text("hELLO"), affinity: .text, collation: .nocase))
        #expect(
            ranges.shardIndex(for: .text("key   "), affinity: .text, collation: .rtrim)
                == ranges.shardIndex(for: .text("key"), affinity: .text, collation: .rtrim))
        #expect(
            DistributionHash.hash(.text("Hello"), collation: .binary)
                != DistributionHash.hash(.text("hello"), collation: .binary))
    }
}
