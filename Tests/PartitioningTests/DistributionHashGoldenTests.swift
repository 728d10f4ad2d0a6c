import Foundation
import ShardQLBase
import Testing

@testable import Partitioning

/// GOLDEN VALUES — NEVER CHANGE THEM. Rows already stored live on the shard these hashes pick: a
/// different hash (or encoding, or shard mapping) would silently lose rows. If one of these tests
/// fails, the change that broke it is wrong, not the test.
@Suite("Distribution hash golden values")
struct DistributionHashGoldenTests {
    struct Golden: Sendable, CustomTestStringConvertible {
        var value: SQLValue
        var collation: Collation
        var hash: UInt64
        /// Shards for N = 1, 4, 7, 64, 4096.
        var shards: [Int]

        var testDescription: String { "\(value) \(collation)" }
    }

    static let shardCounts = [1, 4, 7, 64, 4096]

    static let goldens: [Golden] = [
        Golden(value: .null, collation: .binary,
               hash: 0xE934_A84A_DB05_2768, shards: [0, 3, 6, 58, 3731]),
        Golden(value: .integer(0), collation: .binary,
               hash: 0xA244_3C71_157C_B676, shards: [0, 2, 4, 40, 2596]),
        Golden(value: .integer(1), collation: .binary,
               hash: 0x7B20_75F9_0A67_1183, shards: [0, 1, 3, 30, 1970]),
        Golden(value: .integer(-1), collation: .binary,
               hash: 0xE4A4_2358_FE73_E0B6, shards: [0, 3, 6, 57, 3658]),
        Golden(value: .integer(5), collation: .binary,
               hash: 0xFAE8_845E_926C_4672, shards: [0, 3, 6, 62, 4014]),
        Golden(value: .integer(42), collation: .binary,
               hash: 0xEE53_6F90_35B7_1091, shards: [0, 3, 6, 59, 3813]),
        Golden(value: .integer(1_000_000), collation: .binary,
               hash: 0x4FAD_35E5_51ED_10C6, shards: [0, 1, 2, 19, 1274]),
        Golden(value: .integer(.max), collation: .binary,
               hash: 0x0628_092F_6DC6_4641, shards: [0, 0, 0, 1, 98]),
        Golden(value: .integer(.min), collation: .binary,
               hash: 0x07A7_E2FE_A967_5861, shards: [0, 0, 0, 1, 122]),
        Golden(value: .real(5.0), collation: .binary,
               hash: 0xFAE8_845E_926C_4672, shards: [0, 3, 6, 62, 4014]),
        Golden(value: .real(-0.0), collation: .binary,
               hash: 0xA244_3C71_157C_B676, shards: [0, 2, 4, 40, 2596]),
        Golden(value: .real(0.5), collation: .binary,
               hash: 0xBBCC_31A1_1700_0B87, shards: [0, 2, 5, 46, 3004]),
        Golden(value: .real(-2.75), collation: .binary,
               hash: 0x3E85_2CF1_5321_3777, shards: [0, 0, 1, 15, 1000]),
        Golden(value: .real(1e20), collation: .binary,
               hash: 0xAE97_A1C0_E4B9_0719, shards: [0, 2, 4, 43, 2793]),
        Golden(value: .real(0x1p63), collation: .binary,
               hash: 0xDD9F_CF86_FEA6_4C49, shards: [0, 3, 6, 55, 3545]),
        Golden(value: .real(.infinity), collation: .binary,
               hash: 0x01F6_9548_1173_8A08, shards: [0, 0, 0, 0, 31]),
        Golden(value: .real(3.141592653589793), collation: .binary,
               hash: 0xB06C_140E_E048_5BC8, shards: [0, 2, 4, 44, 2822]),
        Golden(value: .text(""), collation: .binary,
               hash: 0x1F25_C8D0_BC1F_4BB6, shards: [0, 0, 0, 7, 498]),
        Golden(value: .text("5"), collation: .binary,
               hash: 0xAC36_E176_E8F9_D77E, shards: [0, 2, 4, 43, 2755]),
        Golden(value: .text("hello"), collation: .binary,
               hash: 0x9714_7246_E39C_4E4B, shards: [0, 2, 4, 37, 2417]),
        Golden(value: .text("Hello"), collation: .binary,
               hash: 0xE5E9_5135_1C04_9F54, shards: [0, 3, 6, 57, 3678]),
        Golden(value: .text("Hello"), collation: .nocase,
               hash: 0x9714_7246_E39C_4E4B, shards: [0, 2, 4, 37, 2417]),
        Golden(value: .text("hello"), collation: .nocase,
               hash: 0x9714_7246_E39C_4E4B, shards: [0, 2, 4, 37, 2417]),
        Golden(value: .text("hello  "), collation: .rtrim,
               hash: 0x9714_7246_E39C_4E4B, shards: [0, 2, 4, 37, 2417]),
        Golden(value: .text("héllo wörld ✓"), collation: .binary,
               hash: 0x82C6_08A1_41B7_6D6C, shards: [0, 2, 3, 32, 2092]),
        Golden(value: .text(SQLText(bytes: [0x61, 0xFF, 0x00, 0x62])), collation: .binary,
               hash: 0x2F9B_4412_E9B9_257A, shards: [0, 0, 1, 11, 761]),
        Golden(value: .blob([]), collation: .binary,
               hash: 0x64B9_DA3E_D69D_6732, shards: [0, 1, 2, 25, 1611]),
        Golden(value: .blob([0x35]), collation: .binary,
               hash: 0xEAD3_2EBE_85BB_FF69, shards: [0, 3, 6, 58, 3757]),
        Golden(value: .blob(Array(0...40)), collation: .binary,
               hash: 0x0C21_C558_6E81_8CEF, shards: [0, 0, 0, 3, 194]),
        Golden(value: .text(String(repeating: "shardql", count: 10)), collation: .binary,
               hash: 0x6FAB_FFFF_1A9E_AE61, shards: [0, 1, 3, 27, 1786]),
    ]

    @Test(arguments: goldens)
    func golden(_ golden: Golden) throws {
        #expect(DistributionHash.hash(golden.value, collation: golden.collation) == golden.hash)
        for (count, expected) in zip(Self.shardCounts, golden.shards) {
            #expect(try ShardRanges(count: count).shardIndex(forHash: golden.hash) == expected)
        }
    }

    @Test func goldenTableIsComplete() {
        #expect(Self.goldens.count >= 25)
    }

    @Test func canonicalEncoding() {
        #expect(DistributionHash.canonicalEncoding(of: .null, collation: .binary) == [0x00])
        #expect(DistributionHash.canonicalEncoding(of: .integer(1), collation: .binary) == [1, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(DistributionHash.canonicalEncoding(of: .real(-0.0), collation: .binary) == [1, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(
            DistributionHash.canonicalEncoding(of: .real(0.5), collation: .binary)
                == [2, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F])
        #expect(DistributionHash.canonicalEncoding(of: .text("Ab "), collation: .nocase) == [3, 0x61, 0x62, 0x20])
        #expect(DistributionHash.canonicalEncoding(of: .blob([9, 8]), collation: .nocase) == [4, 9, 8])
    }

    @Test func integralRealsHashLikeIntegers() {
        func hash(_ value: SQLValue) -> UInt64 { DistributionHash.hash(value, collation: .binary) }
        let pairs: [(Int64, Double)] = [(5, 5.0), (0, -0.0), (.min, -9_223_372_036_854_775_808.0), (1 << 62, 0x1p62)]
        for (integer, real) in pairs {
            #expect(hash(.integer(integer)) == hash(.real(real)))
        }
        // 2^53 + 1 is not equal to any double, and 2^63 is not an Int64.
        #expect(hash(.integer((1 << 53) + 1)) != hash(.real(0x1p53)))
        #expect(hash(.real(0x1p63)) != hash(.integer(.max)))
        // Classes never collide by construction: TEXT '5' and BLOB x'35' are not INTEGER 5.
        #expect(hash(.integer(5)) != hash(.text("5")))
        #expect(hash(.integer(5)) != hash(.blob([0x35])))
    }

    @Test func affinityIsAppliedBeforeHashing() {
        #expect(
            DistributionHash.hash(.text(" 5 "), affinity: .integer, collation: .binary)
                == DistributionHash.hash(.integer(5), collation: .binary))
        #expect(
            DistributionHash.hash(.integer(5), affinity: .text, collation: .binary)
                == DistributionHash.hash(.text("5"), collation: .binary))
        #expect(
            DistributionHash.hash(.text("5"), affinity: .blob, collation: .binary)
                != DistributionHash.hash(.integer(5), collation: .binary))
    }

    /// Prints the golden table for the values below; run with SHARDQL_RECORD_GOLDEN=1 only when adding
    /// new rows — existing rows must never be re-recorded.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SHARDQL_RECORD_GOLDEN"] != nil))
    func recordGoldenTable() throws {
        let inputs: [(SQLValue, Collation, String)] = [
            (.null, .binary, ".null"),
            (.integer(0), .binary, ".integer(0)"),
            (.integer(1), .binary, ".integer(1)"),
            (.integer(-1), .binary, ".integer(-1)"),
            (.integer(5), .binary, ".integer(5)"),
            (.integer(42), .binary, ".integer(42)"),
            (.integer(1_000_000), .binary, ".integer(1_000_000)"),
            (.integer(.max), .binary, ".integer(.max)"),
            (.integer(.min), .binary, ".integer(.min)"),
            (.real(5.0), .binary, ".real(5.0)"),
            (.real(-0.0), .binary, ".real(-0.0)"),
            (.real(0.5), .binary, ".real(0.5)"),
            (.real(-2.75), .binary, ".real(-2.75)"),
            (.real(1e20), .binary, ".real(1e20)"),
            (.real(0x1p63), .binary, ".real(0x1p63)"),
            (.real(.infinity), .binary, ".real(.infinity)"),
            (.real(3.141592653589793), .binary, ".real(3.141592653589793)"),
            (.text(""), .binary, ".text(\"\")"),
            (.text("5"), .binary, ".text(\"5\")"),
            (.text("hello"), .binary, ".text(\"hello\")"),
            (.text("Hello"), .binary, ".text(\"Hello\")"),
            (.text("Hello"), .nocase, ".text(\"Hello\")"),
            (.text("hello"), .nocase, ".text(\"hello\")"),
            (.text("hello  "), .rtrim, ".text(\"hello  \")"),
            (.text("héllo wörld ✓"), .binary, ".text(\"héllo wörld ✓\")"),
            (
                .text(SQLText(bytes: [0x61, 0xFF, 0x00, 0x62])), .binary,
                ".text(SQLText(bytes: [0x61, 0xFF, 0x00, 0x62]))"
            ),
            (.blob([]), .binary, ".blob([])"),
            (.blob([0x35]), .binary, ".blob([0x35])"),
            (.blob(Array(0...40)), .binary, ".blob(Array(0...40))"),
            (
                .text(String(repeating: "shardql", count: 10)), .binary,
                ".text(String(repeating: \"shardql\", count: 10))"
            ),
        ]
        for (value, collation, source) in inputs {
            let hash = DistributionHash.hash(value, collation: collation)
            let shards = try Self.shardCounts.map { try ShardRanges(count: $0).shardIndex(forHash: hash) }
            let hex = String(hash, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: 16 - hex.count) + hex
            var grouped = ""
            for (offset, character) in padded.enumerated() {
                if offset > 0 && offset % 4 == 0 { grouped += "_" }
                grouped.append(character)
            }
            let name = collation.rawValue.lowercased()
            print("Golden(value: \(source), collation: .\(name),\n       hash: 0x\(grouped), shards: \(shards)),")
        }
    }
}
