import TestSupport
import ShardQLBase
import SQLiteCore
import Testing

@testable import Partitioning

/// Randomized differential tests of the ported number reader and writer against the linked SQLite.
@Suite("SQLite's number text, bit for bit")
struct SQLiteNumericTextTests {
    /// Random decimal strings of every shape `sqlite3AtoF` accepts (many digits, long fractions,
    /// exponents near the limits), stored into INTEGER, REAL, NUMERIC and TEXT-less columns.
    @Test func randomNumericTextStoresLikeSQLite() throws {
        let oracle = try StorageOracle()
        var generator = SplitMix64(seed: 0x5EED_0001)
        var mismatches: [String] = []
        try oracle.connection.execute("BEGIN")
        for _ in 0..<10000 {
            let text = Self.randomNumber(using: &generator)
            let stored = try oracle.stored(.text(text))
            for (index, column) in StorageOracle.columns.enumerated() {
                let ours = Affinity(declaredType: column.declaredType).apply(to: .text(text))
                if !identical(ours, stored[index]), mismatches.count < 20 {
                    mismatches.append("\(column.affinity) ← '\(text)': ours \(ours), SQLite \(stored[index])")
                }
            }
        }
        try oracle.connection.execute("COMMIT")
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    /// Random doubles (random bit patterns, short decimals, near-halfway values) turned into TEXT by
    /// a TEXT column: SQLite's `%!.15g`, which is not C's `%.15g`.
    @Test func randomRealsFormatLikeSQLite() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t(c TEXT)")
        var generator = SplitMix64(seed: 0x5EED_0002)
        var mismatches: [String] = []
        try connection.execute("BEGIN")
        for round in 0..<6000 {
            let value: Double
            switch round % 4 {
            case 0: value = Double(bitPattern: generator.next())
            case 1:
                let digits = Int64.random(in: 1...999_999_999_999_999, using: &generator)
                value = Double("\(digits)e\(Int.random(in: -40...40, using: &generator))")!
            case 2:
                let numerator = Double(Int64.random(in: -10_000_000...10_000_000, using: &generator))
                value = numerator / [2, 4, 8, 10, 100, 3, 7].randomElement(using: &generator)!
            default: value = Double(Int64.random(in: 1...(1 << 53), using: &generator)) + 0.5
            }
            if value.isNaN { continue }
            try connection.execute("DELETE FROM t")
            let insert = try connection.cachedStatement("INSERT INTO t VALUES (?)")
            try insert.bind([.real(value)])
            try insert.run()
            let stored = try connection.cachedStatement("SELECT c FROM t").rows()[0][0]
            let ours = Affinity.text.apply(to: .real(value))
            if !identical(ours, stored), mismatches.count < 20 {
                mismatches.append("\(value): ours \(ours), SQLite \(stored)")
            }
        }
        try connection.execute("COMMIT")
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    @Test("formatting examples", arguments: [
        (2.5, "2.5"), (-1.0, "-1.0"), (100.0, "100.0"), (1e20, "1.0e+20"), (1e-5, "1.0e-05"), (0.0, "0.0"),
        (-0.0, "0.0"), (.infinity, "Inf"), (-.infinity, "-Inf"), (355_975_670_020_709.5, "355975670020709.0"),
        (1e100, "1.0e+100"), (0.1, "0.1"), (123_456_789_012_345_678.0, "1.23456789012346e+17"),
    ])
    func formatting(_ value: Double, _ expected: String) {
        #expect(SQLiteRealFormat.format(value) == expected)
    }

    @Test("integer reading", arguments: [
        ("9223372036854775807", Int64.max, true), ("-9223372036854775808", Int64.min, true),
        ("9223372036854775808", Int64.max, false), ("  0042  ", 42, true), ("4 2", 4, false), ("", 0, false),
        ("+", 0, false), ("-0", 0, true), ("99999999999999999999", Int64.max, false),
    ])
    func integerReading(_ text: String, _ value: Int64, _ exact: Bool) {
        let (parsed, form) = SQLiteNumericText.parseInt64(Array(text.utf8))
        #expect(parsed == value)
        #expect((form == .exact) == exact)
    }

    static func randomNumber(using generator: inout SplitMix64) -> String {
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
        }
        var text = ""
        if Bool.random(using: &generator) { text += ["-", "+", " ", "-"].randomElement(using: &generator)! }
        let shape = Int.random(in: 0..<6, using: &generator)
        let whole = digits([0, 1, 3, 9, 15, 17, 18, 19, 20, 25].randomElement(using: &generator)!)
        switch shape {
        case 0: text += whole.isEmpty ? "0" : whole
        case 1: text += whole + "." + digits(Int.random(in: 0...25, using: &generator))
        case 2: text += (whole.isEmpty ? "1" : whole) + "e" + String(Int.random(in: -330...330, using: &generator))
        case 3:
            text += whole + "." + digits(Int.random(in: 1...20, using: &generator)) + "E"
                + String(Int.random(in: -30...30, using: &generator))
        case 4: text += "0." + String(repeating: "0", count: Int.random(in: 0...20, using: &generator)) + digits(17)
        default:
            text += digits(Int.random(in: 1...19, using: &generator)) + "e-"
            text += String(Int.random(in: 300...345, using: &generator))
        }
        if Int.random(in: 0..<8, using: &generator) == 0 { text += " " }
        return text
    }
}
