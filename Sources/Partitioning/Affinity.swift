import ShardQLBase

/// A column's type affinity: how SQLite converts a value when it is stored in that column.
///
/// Routing must hash exactly the value SQLite will store, so this mirrors SQLite's storage rules to
/// the bit (`applyAffinity` / `applyNumericAffinity` / `sqlite3VdbeIntegerAffinity` in vdbe.c, and the
/// REAL-column handling of `OP_MakeRecord` and `OP_Column`), not `CAST`: into an INTEGER column `'5abc'`
/// stays TEXT while `' 5 '`, `'1e3'` and `'5.0'` become INTEGER and `'9223372036854775808'` becomes REAL.
public enum Affinity: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case integer = "INTEGER"
    case text = "TEXT"
    case blob = "BLOB"
    case real = "REAL"
    case numeric = "NUMERIC"

    /// The affinity of a column declared with `declaredType`, by SQLite's five rules in order
    /// (sqlite.org/datatype3.html §3.1; case-insensitive substring matches):
    /// "INT" → INTEGER; "CHAR", "CLOB" or "TEXT" → TEXT; "BLOB" or no type → BLOB;
    /// "REAL", "FLOA" or "DOUB" → REAL; anything else → NUMERIC.
    /// So `FLOATING POINT` is INTEGER (it contains "INT") and `DECIMAL(10,2)`, `BOOLEAN`, `DATE` are NUMERIC.
    public init(declaredType: String?) {
        guard let declaredType, !declaredType.isEmpty else {
            self = .blob
            return
        }
        // SQLite folds ASCII only (sqlite3UpperToLower); other bytes compare as they are.
        let folded = declaredType.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        func contains(_ word: String) -> Bool {
            let needle = Array(word.utf8)
            guard folded.count >= needle.count else { return false }
            return (0...(folded.count - needle.count)).contains { start in
                folded[start..<(start + needle.count)].elementsEqual(needle)
            }
        }
        if contains("int") {
            self = .integer
        } else if contains("char") || contains("clob") || contains("text") {
            self = .text
        } else if contains("blob") {
            self = .blob
        } else if contains("real") || contains("floa") || contains("doub") {
            self = .real
        } else {
            self = .numeric
        }
    }

    public var description: String { rawValue }

    /// The value SQLite stores (and later reads back) when `value` is inserted into a column with
    /// this affinity.
    ///
    /// - INTEGER, NUMERIC: TEXT that is a well-formed number becomes INTEGER when it is an integer that
    ///   fits Int64 (`'1e3'`, `' 5 '`, `'5.0'`, `'-0'`), else REAL (`'0.5'`, `'1e400'` is Inf); REAL that is
    ///   integral and strictly inside Int64's range becomes INTEGER (`-0.0` → 0, but ±2^63 stay REAL).
    /// - REAL: INTEGER and numeric TEXT become REAL; `-0.0` reads back as `0.0`.
    /// - TEXT: INTEGER and REAL become their text (REAL as SQLite's `%!.15g`).
    /// - BLOB (no affinity): unchanged.
    ///
    /// With every affinity a NaN REAL is stored as NULL, and BLOB and NULL are never converted.
    public func apply(to value: SQLValue) -> SQLValue {
        if case .real(let real) = value, real.isNaN { return .null }
        switch self {
        case .blob:
            return value
        case .text:
            switch value {
            case .integer(let integer): return .text(SQLText(String(integer)))
            case .real(let real): return .text(SQLText(SQLiteRealFormat.format(real)))
            case .null, .text, .blob: return value
            }
        case .integer, .numeric:
            switch value {
            case .real(let real): return Self.integerAffinity(real)
            case .text(let text): return Self.numericAffinity(text) ?? value
            case .null, .integer, .blob: return value
            }
        case .real:
            switch value {
            case .integer(let integer):
                return .real(Double(integer))
            case .real(let real):
                // Integral reals are stored as integers in REAL columns and read back with
                // `(double)i`: the value survives, the sign of zero does not.
                return .real(real == 0 ? 0.0 : real)
            case .text(let text):
                switch Self.numericAffinity(text) {
                case .integer(let integer): return .real(Double(integer))
                case .real(let real): return .real(real == 0 ? 0.0 : real)
                default: return value
                }
            case .null, .blob:
                return value
            }
        }
    }

    /// `applyNumericAffinity(pRec, bTryForInt: 1)`: the number a TEXT stands for, or nil if it stays TEXT.
    static func numericAffinity(_ text: SQLText) -> SQLValue? {
        let (real, form) = SQLiteNumericText.parseReal(text.bytes)
        switch form {
        case .notANumber:
            return nil
        case .integer:
            // alsoAnInt: small integers straight from the double, others re-read exactly.
            let truncated = truncatedToInt64(real)
            if realIsSameAsInt(real, truncated) { return .integer(truncated) }
            let (integer, integerForm) = SQLiteNumericText.parseInt64(text.bytes)
            if integerForm == .exact { return .integer(integer) }
            return integerAffinity(real)
        case .fractional:
            return integerAffinity(real)
        }
    }

    /// `sqlite3VdbeIntegerAffinity`: a REAL becomes INTEGER when it converts exactly and is neither
    /// Int64's minimum nor maximum (doubleToInt64 clamps to those).
    static func integerAffinity(_ real: Double) -> SQLValue {
        let clamped: Int64
        if real <= -9223372036854775808.0 {
            clamped = .min
        } else if real >= 9223372036854775807.0 {  // the literal rounds to 2^63, as in C
            clamped = .max
        } else if real.isNaN {
            clamped = .min  // x86's cvttsd2si; NaN never gets here (stored as NULL)
        } else {
            clamped = Int64(real)
        }
        if real == Double(clamped) && clamped > .min && clamped < .max { return .integer(clamped) }
        return .real(real)
    }

    /// C's `(i64)double` as x86 does it: truncation, and INT64_MIN when out of range.
    private static func truncatedToInt64(_ real: Double) -> Int64 {
        guard real >= -9223372036854775808.0, real < 9223372036854775808.0 else { return .min }
        return Int64(real)
    }

    /// `sqlite3RealSameAsInt`: zero, or the same bits and within ±2^51.
    private static func realIsSameAsInt(_ real: Double, _ integer: Int64) -> Bool {
        real == 0
            || (real.bitPattern == Double(integer).bitPattern
                && integer >= -2_251_799_813_685_248 && integer < 2_251_799_813_685_248)
    }
}
