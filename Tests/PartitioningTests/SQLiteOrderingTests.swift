import ShardQLBase
import SQLiteCore
import TestSupport
import Testing

@testable import Partitioning

@Suite("SQLiteOrdering matches sqlite3MemCompare")
struct SQLiteOrderingTests {
    @Test func crossClassOrder() {
        let ascending: [SQLValue] = [.null, .integer(-5), .real(0.5), .integer(1), .text(""), .text("a"), .blob([])]
        for (i, lhs) in ascending.enumerated() {
            for (j, rhs) in ascending.enumerated() {
                let expected = i == j ? 0 : (i < j ? -1 : 1)
                #expect(SQLiteOrdering.compare(lhs, rhs, collation: .binary) == expected, "\(lhs) vs \(rhs)")
            }
        }
    }

    @Test func integerAgainstRealIsExact() {
        func compare(_ lhs: SQLValue, _ rhs: SQLValue) -> Int { SQLiteOrdering.compare(lhs, rhs, collation: .binary) }
        #expect(compare(.integer(9_007_199_254_740_993), .real(9_007_199_254_740_992.0)) == 1)
        #expect(compare(.real(9_007_199_254_740_992.0), .integer(9_007_199_254_740_993)) == -1)
        #expect(compare(.integer(9_007_199_254_740_992), .real(9_007_199_254_740_992.0)) == 0)
        #expect(compare(.integer(.max), .real(0x1p63)) == -1)
        #expect(compare(.integer(.min), .real(-0x1p63)) == 0)
        #expect(compare(.integer(.min), .real(-.infinity)) == 1)
        #expect(compare(.integer(.max), .real(.infinity)) == -1)
        #expect(compare(.integer(.max), .real(.greatestFiniteMagnitude)) == -1)
        #expect(compare(.integer(0), .real(-0.0)) == 0)
        #expect(compare(.real(0.0), .real(-0.0)) == 0)
        #expect(compare(.integer(-1), .real(-0.5)) == -1)
        #expect(compare(.integer(-1), .real(-1.5)) == 1)
        #expect(compare(.integer(1), .real(1.5)) == -1)
    }

    @Test func nanCountsAsNull() {
        #expect(SQLiteOrdering.compare(.real(.nan), .null, collation: .binary) == 0)
        #expect(SQLiteOrdering.compare(.real(.nan), .integer(.min), collation: .binary) == -1)
        #expect(SQLiteOrdering.compare(.integer(0), .real(.nan), collation: .binary) == 1)
        #expect(SQLiteOrdering.compare(.real(-.infinity), .real(.nan), collation: .binary) == 1)
    }

    /// Random pairs, biased towards the same storage class, against SQLite's `<` and `=` (non-NULL
    /// pairs; NaN binds as NULL) under each collation.
    @Test(arguments: Collation.allCases)
    func pairsAgreeWithSQLite(_ collation: Collation) throws {
        var random = SplitMix64(seed: 0x5EED_0001 &+ UInt64(collation.rawValue.utf8.count))
        let connection = try SQLiteConnection(path: ":memory:")
        let sql = """
            SELECT CASE WHEN ?1 IS NULL OR ?2 IS NULL THEN NULL \
            ELSE (?1 COLLATE \(collation.rawValue) > ?2) - (?1 COLLATE \(collation.rawValue) < ?2) END
            """
        var checked = 0
        for _ in 0..<6000 {
            let lhs = ValueGenerator.value(&random)
            let rhs = random.chance(0.6) ? ValueGenerator.value(like: lhs, &random) : ValueGenerator.value(&random)
            let ours = SQLiteOrdering.compare(lhs, rhs, collation: collation)
            #expect(SQLiteOrdering.compare(rhs, lhs, collation: collation) == -ours, "antisymmetry \(lhs) \(rhs)")
            let statement = try connection.cachedStatement(sql)
            try statement.bind([lhs, rhs])
            guard case .integer(let expected) = try statement.rows()[0][0] else { continue }
            checked += 1
            #expect(Int64(ours) == expected, "\(collation): \(describe(lhs)) vs \(describe(rhs))")
        }
        #expect(checked > 4000)
    }

    /// Thousands of values in one column, `ORDER BY x COLLATE X, id` against a stable sort by
    /// ``SQLiteOrdering``: checks NULL placement and the whole order, equal groups included.
    @Test(arguments: Collation.allCases)
    func orderByAgreesWithSQLite(_ collation: Collation) throws {
        var random = SplitMix64(seed: 0x5EED_0002 &+ UInt64(collation.rawValue.utf8.count))
        let values = (0..<3000).map { _ in ValueGenerator.value(&random) }
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE v(id INTEGER PRIMARY KEY, x)")
        let insert = try connection.cachedStatement("INSERT INTO v(id, x) VALUES (?, ?)")
        for (id, value) in values.enumerated() {
            try insert.bind([.integer(Int64(id)), value])
            try insert.run()
        }
        let expected = try connection.cachedStatement("SELECT id FROM v ORDER BY x COLLATE \(collation.rawValue), id")
            .rows().map { $0[0] }
        let ours = values.indices.sorted { left, right in
            let order = SQLiteOrdering.compare(values[left], values[right], collation: collation)
            return order != 0 ? order < 0 : left < right
        }.map { SQLValue.integer(Int64($0)) }
        #expect(ours.count == expected.count)
        // Only the first difference: the whole order is thousands of ids.
        if let mismatch = ours.indices.first(where: { $0 < expected.count && ours[$0] != expected[$0] }),
            case .integer(let our) = ours[mismatch], case .integer(let their) = expected[mismatch]
        {
            Issue.record(
                "position \(mismatch): ours \(describe(values[Int(our)])), SQLite \(describe(values[Int(their)]))")
        }
    }

    private func describe(_ value: SQLValue) -> String {
        switch value {
        case .real(let real): "real(\(real), bits \(String(real.bitPattern, radix: 16)))"
        case .text(let text): "text(\(text.bytes))"
        default: "\(value)"
        }
    }
}

/// Values that stress SQLite's comparison: integers and reals on both sides of 2^53 and Int64's
/// ends, signed zeros, infinities, NaN; texts with case, trailing spaces, tabs, NUL, non-ASCII and
/// invalid UTF-8; short blobs sharing prefixes.
private enum ValueGenerator {
    static let edgeIntegers: [Int64] = [
        .min, .min + 1, -(1 << 53) - 1, -(1 << 53), -(1 << 53) + 1, -2, -1, 0, 1, 2,
        (1 << 53) - 1, 1 << 53, (1 << 53) + 1, (1 << 62), .max - 1, .max,
    ]
    static let edgeReals: [Double] = [
        0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, .infinity, -.infinity, .nan, 0x1p63, -0x1p63,
        0x1p63.nextDown, (-0x1p63).nextUp, 0x1p53, 0x1p53 + 2, -0x1p53, 0x1p62, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1e300, -1e-300,
    ]
    static let textPieces: [[UInt8]] = [
        [0x61], [0x41], [0x62], [0x42], [0x20], [0x20], [0x20, 0x20], [0x09], [0x00], [0x5B], [0x5F],
        Array("é".utf8), Array("É".utf8), [0xFF], [0xC3], [0x7A], [0x5A],
    ]
    static let blobBytes: [UInt8] = [0x00, 0x01, 0x20, 0x41, 0x61, 0x7F, 0x80, 0xFF]

    static func value(_ random: inout SplitMix64) -> SQLValue {
        switch random.next(below: 10) {
        case 0: return .null
        case 1, 2: return .integer(integer(&random))
        case 3, 4: return .real(real(&random))
        case 5, 6, 7: return .text(text(&random))
        default: return .blob(blob(&random))
        }
    }

    /// A value of a similar kind to `other`: numbers get numbers near it (the other numeric class
    /// half the time), TEXT gets a variant of it, so equal and nearly equal pairs are common.
    static func value(like other: SQLValue, _ random: inout SplitMix64) -> SQLValue {
        switch other {
        case .integer(let integer):
            let double = Double(integer)
            if random.chance(0.5) { return .real(random.chance(0.5) ? double : nudged(double, &random)) }
            return .integer(integer &+ Int64(random.next(below: 5)) &- 2)
        case .real(let real) where !real.isNaN:
            if random.chance(0.5), real.isFinite, abs(real) < 0x1p63 {
                return .integer(Int64(real.rounded(.towardZero)) &+ Int64(random.next(below: 3)) &- 1)
            }
            return .real(random.chance(0.3) ? real : nudged(real, &random))
        case .text(let text):
            var bytes = text.bytes
            switch random.next(below: 4) {
            case 0: bytes.append(0x20)
            case 1: bytes = bytes.map { (0x61...0x7A).contains($0) && random.chance(0.5) ? $0 & ~0x20 : $0 }
            case 2: if !bytes.isEmpty { bytes.removeLast() }
            default: bytes.append(contentsOf: random.element(of: textPieces))
            }
            return .text(SQLText(bytes: bytes))
        case .blob(var bytes):
            if random.chance(0.5), !bytes.isEmpty {
                bytes.removeLast()
            } else {
                bytes.append(random.element(of: blobBytes))
            }
            return .blob(bytes)
        default:
            return value(&random)
        }
    }

    private static func integer(_ random: inout SplitMix64) -> Int64 {
        switch random.next(below: 4) {
        case 0: return random.element(of: edgeIntegers)
        case 1: return Int64(random.next(below: 21)) - 10
        case 2: return Int64(bitPattern: random.next())
        default: return random.element(of: edgeIntegers) &+ Int64(random.next(below: 2049)) &- 1024
        }
    }

    private static func real(_ random: inout SplitMix64) -> Double {
        switch random.next(below: 5) {
        case 0: return random.element(of: edgeReals)
        case 1: return Double(random.next(below: 41)) / 4 - 5
        case 2: return Double(integer(&random))
        case 3: return nudged(Double(integer(&random)), &random)
        default:
            let bits = Double(bitPattern: random.next())
            return bits.isNaN ? .nan : bits
        }
    }

    private static func nudged(_ real: Double, _ random: inout SplitMix64) -> Double {
        random.chance(0.5) ? real.nextUp : real.nextDown
    }

    private static func text(_ random: inout SplitMix64) -> SQLText {
        var bytes: [UInt8] = []
        for _ in 0..<random.next(below: 6) { bytes.append(contentsOf: random.element(of: textPieces)) }
        return SQLText(bytes: bytes)
    }

    private static func blob(_ random: inout SplitMix64) -> [UInt8] {
        (0..<random.next(below: 5)).map { _ in random.element(of: blobBytes) }
    }
}
