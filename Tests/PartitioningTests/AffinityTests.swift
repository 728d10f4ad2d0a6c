import ShardQLBase
import SQLiteCore
import Testing

@testable import Partitioning

@Suite("Affinity follows SQLite's storage rules")
struct AffinityTests {
    @Test("declared types map by SQLite's five rules in order", arguments: [
        ("INTEGER", Affinity.integer), ("INT", .integer), ("int", .integer), ("BIGINT", .integer),
        ("UNSIGNED BIG INT", .integer), ("INT2", .integer), ("TINYINT", .integer), ("MEDIUMINT", .integer),
        ("FLOATING POINT", .integer), ("CHARINT", .integer), ("POINT", .integer), ("interval", .integer),
        ("TEXT", .text), ("VARCHAR(10)", .text), ("CHARACTER(20)", .text), ("NCHAR(55)", .text),
        ("NATIVE CHARACTER(70)", .text), ("nvarchar(100)", .text), ("CLOB", .text), ("BLOBCHAR", .text),
        ("REALTEXT", .text),
        ("BLOB", .blob), ("blob", .blob), ("FLOATBLOB", .blob), ("BLOBDOUBLE", .blob),
        ("REAL", .real), ("DOUBLE", .real), ("DOUBLE PRECISION", .real), ("FLOAT", .real), ("floa", .real),
        ("NUMERIC", .numeric), ("DECIMAL(10,2)", .numeric), ("DECIMAL(10, 5)", .numeric), ("BOOLEAN", .numeric),
        ("DATE", .numeric), ("DATETIME", .numeric), ("STRING", .numeric), ("XYZ", .numeric),
        ("ÍNT", .numeric), ("CH AR", .numeric), ("DOU BLE", .numeric),
    ])
    func declaredType(_ declared: String, _ expected: Affinity) {
        #expect(Affinity(declaredType: declared) == expected)
    }

    @Test func noDeclaredTypeIsBlob() {
        #expect(Affinity(declaredType: nil) == .blob)
        #expect(Affinity(declaredType: "") == .blob)
    }

    /// SQLite cannot tell INTEGER from NUMERIC by storage, but it can tell the other classes apart:
    /// check the declared-type rules against real tables too.
    @Test("declared-type rules agree with SQLite's storage", arguments: [
        "VARCHAR(10)", "FLOATING POINT", "DOUBLE PRECISION", "DECIMAL(10,2)", "BOOLEAN", "DATE", "CHARINT",
        "BLOBCHAR", "FLOATBLOB", "CLOB", "REAL", "STRING", "int8", "Blob",
    ])
    func declaredTypeMatchesStorage(_ declared: String) throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t(c \(declared))")
        let affinity = Affinity(declaredType: declared)
        for probe: SQLValue in [.text("5"), .integer(5), .real(5.0), .text("x")] {
            try connection.execute("DELETE FROM t")
            let insert = try connection.prepare("INSERT INTO t VALUES (?)")
            try insert.bind([probe])
            try insert.run()
            let stored = try connection.prepare("SELECT c FROM t").rows()[0][0]
            #expect(identical(affinity.apply(to: probe), stored), "\(declared) ← \(probe): SQLite stored \(stored)")
        }
    }

    static let integers: [Int64] = [
        0, 1, -1, 42, -42, 1_000_000, .min, .max, .min + 1, .max - 1, 1 << 53, (1 << 53) + 1, -(1 << 53) - 1,
        140_737_488_355_327, 140_737_488_355_328, -140_737_488_355_328, -140_737_488_355_329,
        2_251_799_813_685_248, 2_251_799_813_685_247,
    ]

    static let reals: [Double] = [
        0.0, -0.0, 0.5, -0.5, 1.0, 5.0, -5.0, 100.0, 0.1, 1.0 / 3.0, 3.141592653589793, 1e-5, 0.0001,
        1e14, 1e15, 1e16, 1e20, -1e20, 1e21, 1e300, 1e-300, 9.2233720368547758e18, -9.2233720368547758e18,
        9_223_372_036_854_774_784.0, -9_223_372_036_854_774_784.0, 9_007_199_254_740_992.0, 9_007_199_254_740_994.0,
        123_456_789_012_345.6, 355_975_670_020_709.5, 99_999_999_999_999.99, 140_737_488_355_328.0,
        .infinity, -.infinity, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude, 4_611_686_018_427_387_904.0, 2.5, -1.0,
    ]

    static let texts: [String] = [
        "", " ", "  ", "5", " 5 ", "\t5\n", "\u{0B}5", "5\u{0C}", "\r5\r", "1e3", "1E3", "1e+3", "1e-3", "1e",
        "1e+", "e3", "5.0", "5.", ".5", ".", "+5", "-5", "+-5", "--5", "-0", "+0", "0", "00", "007", "-007",
        "0.0", "-0.0", "0x10", "0X1F", "1_000", "1,000", "5abc", "abc", "5 5", "5.5.5", "Infinity", "-Infinity",
        "inf", "nan", "NaN", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "9223372036854775807.0", "92233720368547758070", "18446744073709551616",
        "00000000000000000000009223372036854775807", "1e400", "-1e400", "1e-400", "-1e-400", "1e308",
        "1.7976931348623157e308", "1.7976931348623159e308", "2.2250738585072014e-308", "4.9406564584124654e-324",
        "2.4703282292062327e-324", "9007199254740993", "9007199254740992", "9007199254740993.0",
        "-9007199254740993", "2251799813685248", "2251799813685247", "0.1", "0.30000000000000004",
        "3.14159265358979323846264338327950288", "123456789012345678901234567890", "1.5e300",
        "12345678901234567890e-10", "1e22", "1e23", "100000000000000000000000", "0.000001", "1e-7",
        "  -12.5e2  ", "12.5e2.5", "1e3 x", "١٢٣", "５", "héllo", "✓", "5\u{0}", "\u{0}5", "1e10000",
        "1e-10000", "0e999999", "0.0000000000000000000000000000001e31", "9.2233720368547758e18",
        "-9.2233720368547758e18", "9223372036854775807e0", "922337203685477580.7e1",
        "1000000000000000000000000000000e-30",
        "0x", "5e3.0", "1.0e+20", "1.0e-05", "100.0", "5e-1", "25e-1", "-2.5e1", "1e-5", "1e15", "1e16",
        "140737488355328", "-140737488355329", "4e-324", "3e-324", "8.98846567431158e307", "1e307",
        "0.1e-307", "123.456e-310", "17976931348623157e292", "9999999999999999999", "99999999999999999999.5",
        "1.00000000000000011102230246251565404236316680908203125", "2e0", "5 ", " 5", "+.5", "-.5e1", "e",
        "5e", "5e-", "5.e3", ".e3", "+", "-", "0.5 abc",
        // SQLite 3.40 reads these to a double that is not the correctly rounded one (strtod differs).
        "984.7210759873388624e-27", "10052903493407.9340850760789e5", "960958213.5826767768913504e-7",
    ]

    static let oddTextBytes: [[UInt8]] = [[0xFF, 0x35], [0x35, 0xFF], [0xC3, 0x28], [0x31, 0x80], [0x35, 0x00, 0x35]]

    static let blobs: [[UInt8]] = [[], [0x35], [0x31, 0x2E, 0x35], [0xFF, 0x00], Array("5".utf8)]

    static var allValues: [SQLValue] {
        [.null] + integers.map(SQLValue.integer) + reals.map(SQLValue.real) + texts.map(SQLValue.text)
            + oddTextBytes.map { .text(SQLText(bytes: $0)) } + blobs.map(SQLValue.blob)
    }

    @Test func thereAreAboutTwoHundredDifferentialInputs() {
        #expect(Self.allValues.count >= 200)
    }

    @Test("apply(to:) stores exactly what SQLite stores, for every affinity")
    func differentialAgainstSQLite() throws {
        let oracle = try StorageOracle()
        var mismatches: [String] = []
        for value in Self.allValues {
            let stored = try oracle.stored(value)
            for (index, column) in StorageOracle.columns.enumerated() {
                let affinity = Affinity(declaredType: column.declaredType)
                #expect(affinity.rawValue == column.affinity)
                let ours = affinity.apply(to: value)
                if !identical(ours, stored[index]) {
                    let type = column.declaredType ?? "<none>"
                    mismatches.append("\(type) ← \(value): ours \(ours), SQLite \(stored[index])")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test func nanIsStoredAsNull() throws {
        let oracle = try StorageOracle()
        let stored = try oracle.stored(.real(.nan))
        #expect(stored.allSatisfy { $0 == .null })
        for affinity in Affinity.allCases {
            #expect(affinity.apply(to: .real(.nan)) == .null)
        }
    }

    @Test("the documented edge cases", arguments: [
        (Affinity.integer, SQLValue.text(" 5 "), SQLValue.integer(5)),
        (.integer, .text("1e3"), .integer(1000)),
        (.integer, .text("5.0"), .integer(5)),
        (.integer, .text("9223372036854775808"), .real(9_223_372_036_854_775_808.0)),
        (.integer, .text("5abc"), .text("5abc")),
        (.integer, .text("0x10"), .text("0x10")),
        (.integer, .text(""), .text("")),
        (.integer, .text("inf"), .text("inf")),
        (.integer, .text("1e400"), .real(.infinity)),
        (.numeric, .real(-0.0), .integer(0)),
        (.numeric, .real(1e20), .real(1e20)),
        (.numeric, .real(9.2233720368547758e18), .real(9.2233720368547758e18)),
        (.numeric, .real(-9.2233720368547758e18), .real(-9.2233720368547758e18)),
        (.real, .integer(5), .real(5)),
        (.real, .text("-0"), .real(0.0)),
        (.text, .real(-0.0), .text("0.0")),
        (.text, .real(1e20), .text("1.0e+20")),
        (.text, .integer(-7), .text("-7")),
        (.blob, .text("5"), .text("5")),
    ])
    func edgeCase(_ affinity: Affinity, _ input: SQLValue, _ expected: SQLValue) {
        #expect(identical(affinity.apply(to: input), expected))
    }
}
