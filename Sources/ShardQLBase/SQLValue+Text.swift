extension SQLValue {
    /// The value as `sqlite3_column_text` would render it: integers in decimal, REAL with SQLite's
    /// `%!.15g` (``formatReal(_:)``), TEXT as is, BLOB as its bytes
    /// decoded leniently; `nil` for NULL.
    public var sqliteText: String? {
        switch self {
        case .null: return nil
        case .integer(let value): return String(value)
        case .real(let value): return SQLValue.formatReal(value)
        case .text(let text): return text.string
        case .blob(let bytes): return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// SQLite's `%!.15g` (`2.5`, `-1.0`, `100.0`, `1.0e+20`, `0.0` for `-0.0`): how SQLite turns
    /// a REAL into TEXT, bit for bit (`SQLiteRealFormat`), not C's `%.15g`.
    public static func formatReal(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        return SQLiteRealFormat.format(value)
    }
}
