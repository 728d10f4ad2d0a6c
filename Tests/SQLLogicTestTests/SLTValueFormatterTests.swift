import TestSupport
import ShardQLBase
import SQLiteCore
import Testing

@testable import SQLLogicTest

@Suite struct SLTValueFormatterTests {
    let formatter: SLTValueFormatter

    init() throws {
        formatter = try SLTValueFormatter()
    }

    func format(_ value: SQLValue, _ type: SLTColumnType) throws -> String {
        try formatter.format(value, as: type)
    }

    @Test func nullIsNULLForEveryType() throws {
        for type in [SLTColumnType.integer, .real, .text] {
            #expect(try format(.null, type) == "NULL")
        }
    }

    @Test func integerColumns() throws {
        #expect(try format(.integer(42), .integer) == "42")
        #expect(try format(.integer(.min), .integer) == "-9223372036854775808")
        #expect(try format(.integer(.max), .integer) == "9223372036854775807")
        // REAL truncates toward zero and saturates at the Int64 bounds.
        #expect(try format(.real(-7.9), .integer) == "-7")
        #expect(try format(.real(7.9), .integer) == "7")
        #expect(try format(.real(-0.5), .integer) == "0")
        #expect(try format(.real(1e300), .integer) == "9223372036854775807")
        #expect(try format(.real(-1e300), .integer) == "-9223372036854775808")
        #expect(try format(.real(9_223_372_036_854_775_807.0), .integer) == "9223372036854775807")
        #expect(try format(.real(-9_223_372_036_854_775_808.0), .integer) == "-9223372036854775808")
        #expect(try format(.real(4_611_686_018_427_387_904.0), .integer) == "4611686018427387904")
        // TEXT: leading spaces, a sign and a digit prefix, as sqlite3_column_int64 reads it.
        #expect(try format(.text("  12abc"), .integer) == "12")
        #expect(try format(.text(" +5"), .integer) == "5")
        #expect(try format(.text("  -0012"), .integer) == "-12")
        #expect(try format(.text("\t\n 42"), .integer) == "42")
        #expect(try format(.text("1e3"), .integer) == "1")
        #expect(try format(.text("-7.9"), .integer) == "-7")
        #expect(try format(.text("0x10"), .integer) == "0")
        #expect(try format(.text("abc"), .integer) == "0")
        #expect(try format(.text(""), .integer) == "0")
        #expect(try format(.text("9223372036854775808"), .integer) == "9223372036854775807")
        #expect(try format(.text("-99999999999999999999"), .integer) == "-9223372036854775808")
        #expect(try format(.blob(Array("12".utf8)), .integer) == "12")
    }

    @Test func realColumns() throws {
        #expect(try format(.integer(2), .real) == "2.000")
        #expect(try format(.integer(-3), .real) == "-3.000")
        #expect(try format(.real(-3.99), .real) == "-3.990")
        #expect(try format(.real(0), .real) == "0.000")
        #expect(try format(.real(-0.0), .real) == "0.000")
        #expect(try format(.real(-0.0001), .real) == "-0.000")
        #expect(try format(.real(0.0004), .real) == "0.000")
        #expect(try format(.real(0.0006), .real) == "0.001")
        #expect(try format(.real(0.9996), .real) == "1.000")
        #expect(try format(.real(99.9999), .real) == "100.000")
        // Half-up on the decimal digits: 0.0625 is exact in binary; C's printf would give 0.062.
        #expect(try format(.real(0.0625), .real) == "0.063")
        // 2.0004 and 2.0006 are nowhere near a tie.
        #expect(try format(.real(2.0004), .real) == "2.000")
        #expect(try format(.real(2.0006), .real) == "2.001")
        // At most 16 significant digits, rounded, then zeros.
        #expect(try format(.real(-9_223_372_036_854_775_808.0), .real) == "-9223372036854776000.000")
        #expect(try format(.integer(.max), .real) == "9223372036854776000.000")
        #expect(try format(.real(-18_446_744_073_709_551_616.0), .real) == "-18446744073709550000.000")
        #expect(try format(.real(123_456_789_012.456789), .real) == "123456789012.457")
        #expect(try format(.real(1_234_567_890_123.456789), .real) == "1234567890123.457")
        #expect(try format(.real(12_345_678_901_234.56789), .real) == "12345678901234.570")
        #expect(try format(.real(1e20), .real) == "100000000000000000000.000")
        // SQLite's fixed 200-byte buffer: past 183 integer digits %f gives up and prints nothing.
        // (The double nearest 1e183 is 9.99999999999999947e182: 183 digits.)
        let nines = String(repeating: "9", count: 16) + String(repeating: "0", count: 167) + ".000"
        #expect(try format(.real(1e183), .real) == nines)
        #expect(try format(.real(1e184), .real) == "")
        #expect(try format(.real(-1e300), .real) == "")
        // TEXT and BLOB convert as sqlite3_column_double does.
        #expect(try format(.text("3.9e2xyz"), .real) == "390.000")
        #expect(try format(.text(" -7.25"), .real) == "-7.250")
        #expect(try format(.text("abc"), .real) == "0.000")
        #expect(try format(.blob(Array("12".utf8)), .real) == "12.000")
    }

    /// Below 10^13 the text is SQLite's own printf: check a few thousand values against the SQLite
    /// this build links, integers included.
    @Test func realColumnsAgreeWithSQLitesPrintf() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let printf = try connection.prepare("SELECT printf('%.3f', ?1)")
        var generator = SplitMix64(seed: 0x5eed)
        for index in 0..<5000 {
            let magnitude = Double(index % 13)
            let value = (Double(generator.next() % 2_000_000) / 1000 - 1000) * Double.pow10(Int(magnitude) - 3)
            try printf.bind([.real(value)])
            let expected = try printf.rows()[0][0]
            #expect(try format(.real(value), .real) == expected.sqliteText, "value \(value)")
            let integer = Int64(value * 1000)
            try printf.bind([.integer(integer)])
            #expect(try format(.integer(integer), .real) == printf.rows()[0][0].sqliteText, "value \(integer)")
        }
    }

    @Test func textColumns() throws {
        #expect(try format(.text("hello world"), .text) == "hello world")
        #expect(try format(.text(""), .text) == "(empty)")
        #expect(try format(.text("NULL"), .text) == "NULL")
        // Bytes outside ' '...'~' print as '@', one per byte.
        #expect(try format(.text("a\tb\nc\u{7F}"), .text) == "a@b@c@")
        #expect(try format(.text("é"), .text) == "@@")
        #expect(try format(.text(" ~"), .text) == " ~")
        // A C string ends at its first NUL.
        #expect(try format(.text(SQLText(bytes: [0x61, 0, 0x62])), .text) == "a")
        #expect(try format(.text(SQLText(bytes: [0, 0x62])), .text) == "(empty)")
        #expect(try format(.blob([]), .text) == "(empty)")
        #expect(try format(.blob([0x41, 0xFF]), .text) == "A@")
        // Numbers as sqlite3_column_text renders them.
        #expect(try format(.integer(-5), .text) == "-5")
        #expect(try format(.real(2.5), .text) == "2.5")
        #expect(try format(.real(100), .text) == "100.0")
        #expect(try format(.real(1e20), .text) == "1.0e+20")
    }
}

extension Double {
    static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<Swift.abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}
