import ShardQLBase
import SQLiteCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders result values as `sqllogictest.c`'s SQLite driver does, one string per value.
///
/// - NULL is `NULL` whatever the column type.
/// - `I`: the value as `sqlite3_column_int64` converts it, in decimal: INTEGER as is, REAL truncated
///   toward zero and saturated at the Int64 bounds, TEXT and BLOB by SQLite's prefix conversion
///   (`' 12abc'` is 12, `'1e3'` is 1, `'abc'` is 0).
/// - `R`: SQLite's `%.3f` of the value as `sqlite3_column_double` converts it. Below 10^13 that
///   is SQLite's own printf; above, where the linked SQLite 3.40 and the corpus disagree, it is
///   rounded to 16 significant digits as the corpus expects (`9223372036854775807` prints
///   `9223372036854776000.000`; see ``fixedPoint3(_:)``). Values of 1e184 and more print as the
///   empty string, as they do in the driver's 200-byte buffer.
/// - `T`: the value's text (`sqlite3_column_text`, so REAL as `%!.15g`), cut at its first NUL byte;
///   an empty text is `(empty)`, and every byte below `0x20` or above `0x7E` becomes `@` — one `@`
///   per byte, so `é` (two UTF-8 bytes) prints `@@`.
///
/// Conversions of TEXT and BLOB to numbers, of REAL to text, and `%.3f` run on a private in-memory
/// SQLite connection as `CAST(? AS INTEGER)`, `CAST(? AS REAL)`, `CAST(? AS TEXT)` and
/// `printf('%.3f', ?)` of the bound value: the same routines the C API's column accessors and
/// `sqlite3_snprintf` use. The rest is rendered here.
///
/// The canonical driver reads `I` columns with `sqlite3_column_int`, which keeps only the low 32
/// bits; this formatter keeps all 64, which agrees with it on every value below 2^31 and is the
/// stricter check above.
///
/// ```swift
/// let formatter = try SLTValueFormatter()
/// try formatter.format(.real(-7.9), as: .integer)      // "-7"
/// try formatter.format(.integer(2), as: .real)         // "2.000"
/// try formatter.format(.real(0.0625), as: .real)      // "0.063" (SQLite rounds ties up; C gives "0.062")
/// try formatter.format(.text("a\tb"), as: .text)       // "a@b"
/// try formatter.format(.text(""), as: .text)           // "(empty)"
/// ```
///
/// Not `Sendable`: it owns a SQLite connection. The calls are short, in-memory and CPU-bound.
public final class SLTValueFormatter {
    private let connection: SQLiteConnection

    /// Opens the in-memory SQLite connection that does the conversions.
    public init() throws {
        connection = try SQLiteConnection(
            path: ":memory:",
            configuration: SQLiteConfiguration(
                walMode: false, statementCacheCapacity: 8, cancelsOnTaskCancellation: false)
        )
    }

    /// The text `sqllogictest.c` prints for `value` in a column of type `type`.
    ///
    /// - Throws: only if SQLite fails to evaluate a conversion, which does not happen short of
    ///   running out of memory.
    public func format(_ value: SQLValue, as type: SLTColumnType) throws -> String {
        if case .null = value { return "NULL" }
        switch type {
        case .integer: return try integerText(value)
        case .real: return try realText(value)
        case .text: return try textText(value)
        }
    }

    // MARK: - I

    private func integerText(_ value: SQLValue) throws -> String {
        switch value {
        case .null: return "NULL"
        case .integer(let integer): return String(integer)
        case .real(let real): return String(Self.doubleToInt64(real))
        case .text, .blob:
            guard case .integer(let integer) = try evaluate("SELECT CAST(?1 AS INTEGER)", value) else {
                throw ShardQLError(.internalError, "CAST(? AS INTEGER) did not return an integer")
            }
            return String(integer)
        }
    }

    /// SQLite's `doubleToInt64`: truncation toward zero, saturating at the Int64 bounds. NaN, which
    /// SQLite never stores, gives Int64.min as the C conversion does on x86-64.
    static func doubleToInt64(_ value: Double) -> Int64 {
        if value.isNaN { return .min }
        // (double)INT64_MIN is exactly -2^63; (double)INT64_MAX rounds up to 2^63.
        if value <= -9_223_372_036_854_775_808.0 { return .min }
        if value >= 9_223_372_036_854_775_808.0 { return .max }
        return Int64(value)
    }

    // MARK: - R

    private func realText(_ value: SQLValue) throws -> String {
        let real: Double
        switch value {
        case .null: return "NULL"
        case .integer(let integer):
            // Exact as a double, and short enough that every printf prints it the same way.
            if integer > -Self.smallMagnitude, integer < Self.smallMagnitude { return String(integer) + ".000" }
            real = Double(integer)
        case .real(let double): real = double
        case .text, .blob:
            guard case .real(let double) = try evaluate("SELECT CAST(?1 AS REAL)", value) else {
                throw ShardQLError(.internalError, "CAST(? AS REAL) did not return a real")
            }
            real = double
        }
        guard real.magnitude < Double(Self.smallMagnitude) else { return Self.fixedPoint3(real) }
        // Within 16 significant digits SQLite's printf is the reference, including how it rounds
        // values a hair below a tie (SQLite 3.40 nudges them up by 3e-16 of their size).
        guard case .text(let text) = try evaluate("SELECT printf('%.3f', ?1)", .real(real)) else {
            throw ShardQLError(.internalError, "printf('%.3f', ?) did not return text")
        }
        return text.string
    }

    /// Below 10^13 a value has at most 13 integer digits, so `%.3f` needs at most 16 significant
    /// digits and SQLite prints it without the 16-digit cap coming into play.
    static let smallMagnitude: Int64 = 10_000_000_000_000

    /// SQLite's `%.3f` for values of 10^13 and more: the decimal digits rounded half-up to 3
    /// places, but to no more than 16 significant digits, the rest printed as zeros — so
    /// `-9223372036854775808.0` prints `-9223372036854776000.000`. That is how the corpus expects
    /// it (and how SQLite 3.43 and later print it); SQLite 3.40's long-double printf cuts the 17th
    /// digit off instead (`-9223372036854775000.000`), which two `evidence` records reject.
    ///
    /// The digits come from `%.17e` (18 significant digits, correctly rounded), standing in for
    /// the 18-digit expansion SQLite's `sqlite3FpDecode` computes.
    static func fixedPoint3(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "Inf" }
        let negative = value < 0
        if value == 0 { return "0.000" }

        var buffer = [CChar](repeating: 0, count: 48)
        let length = withVaList([Swift.abs(value)]) { vsnprintf(&buffer, buffer.count, "%.17e", $0) }
        let text = buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }
        // d.ddddddddddddddddde±XX
        var digits = [text[0]] + text[2..<19]
        var pointPosition = Int(String(decoding: text[20...], as: UTF8.self))! + 1

        // Significant digits to keep: those down to the third decimal, at most 16.
        var keep = pointPosition + 3
        if keep == 0 {
            // The first digit is the one after the third decimal: it alone decides 0.000 or 0.001.
            digits.insert(UInt8(ascii: "0"), at: 0)
            pointPosition += 1
            keep = 1
        }
        if keep > 0 {
            let count = min(keep, 16)
            if count < digits.count {
                let roundUp = digits[count] >= UInt8(ascii: "5")
                digits.removeSubrange(count...)
                if roundUp {
                    var index = count - 1
                    while index >= 0 && digits[index] == UInt8(ascii: "9") {
                        digits[index] = UInt8(ascii: "0")
                        index -= 1
                    }
                    if index >= 0 {
                        digits[index] += 1
                    } else {
                        digits.insert(UInt8(ascii: "1"), at: 0)
                        pointPosition += 1
                    }
                }
            }
        }

        func digit(_ position: Int) -> UInt8 {
            position >= 0 && position < digits.count ? digits[position] : UInt8(ascii: "0")
        }
        var output: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if pointPosition <= 0 {
            output.append(UInt8(ascii: "0"))
        } else {
            // The driver's 200-byte sqlite3_snprintf buffer: %f gives up, leaving it empty, when the
            // decimal exponent + precision + 15 exceeds it, that is, past 183 integer digits.
            if pointPosition > 183 { return "" }
            for position in 0..<pointPosition { output.append(digit(position)) }
        }
        output.append(UInt8(ascii: "."))
        for position in pointPosition..<pointPosition + 3 { output.append(digit(position)) }
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: - T

    private func textText(_ value: SQLValue) throws -> String {
        let bytes: [UInt8]
        switch value {
        case .null: return "NULL"
        case .integer(let integer): return String(integer)
        case .real:
            guard case .text(let text) = try evaluate("SELECT CAST(?1 AS TEXT)", value) else {
                throw ShardQLError(.internalError, "CAST(? AS TEXT) did not return text")
            }
            bytes = text.bytes
        case .text(let text): bytes = text.bytes
        case .blob(let blob): bytes = blob
        }
        return Self.printable(bytes)
    }

    /// The driver copies the value as a C string (so it ends at a NUL byte), prints `(empty)` for
    /// an empty one, then replaces every byte outside `' '...'~'` with `@`.
    static func printable(_ bytes: [UInt8]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        if end == bytes.startIndex { return "(empty)" }
        return String(unsafeUninitializedCapacity: end) { buffer in
            for index in 0..<end {
                let byte = bytes[index]
                buffer[index] = byte < 0x20 || byte > 0x7E ? UInt8(ascii: "@") : byte
            }
            return end
        }
    }

    // MARK: - SQLite

    private func evaluate(_ sql: String, _ value: SQLValue) throws -> SQLValue {
        let statement = try connection.cachedStatement(sql)
        try statement.bind(value, at: 1)
        defer { statement.reset() }
        guard try statement.step() else {
            throw ShardQLError(.internalError, "\(sql) returned no row")
        }
        return statement.column(0)
    }
}
