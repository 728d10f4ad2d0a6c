import ShardQLBase

/// SQLite's total order over values, as `ORDER BY`, `min`/`max` and the comparison operators see them
/// (`sqlite3MemCompare`).
///
/// NULL sorts first, then INTEGER and REAL together by numeric value, then TEXT under a ``Collation``,
/// then BLOB by `memcmp` and length. INTEGER against REAL compares exactly — never through `Double` —
/// so `9007199254740993` is greater than `9007199254740992.0`, and `-0.0` equals `0`.
///
/// ```swift
/// SQLiteOrdering.compare(.integer(1), .text("0"), collation: .binary)        // -1: numbers before TEXT
/// SQLiteOrdering.compare(.text("a"), .text("A "), collation: .nocase)        // -1: shorter first
/// SQLiteOrdering.compare(.integer(2), .real(2.0), collation: .binary)        //  0
/// ```
public enum SQLiteOrdering {
    /// Compares two values the way SQLite does: −1 if `lhs` sorts first, 1 if `rhs` does, 0 if SQLite
    /// calls them equal. `collation` applies to TEXT against TEXT only.
    ///
    /// A REAL NaN counts as NULL: SQLite never stores one (binding NaN stores NULL).
    public static func compare(_ lhs: SQLValue, _ rhs: SQLValue, collation: Collation) -> Int {
        switch (lhs, rhs) {
        case (.integer(let left), .integer(let right)):
            return left == right ? 0 : (left < right ? -1 : 1)
        case (.real(let left), .real(let right)) where !left.isNaN && !right.isNaN:
            return left == right ? 0 : (left < right ? -1 : 1)
        case (.integer(let left), .real(let right)) where !right.isNaN:
            return compare(integer: left, real: right)
        case (.real(let left), .integer(let right)) where !left.isNaN:
            return -compare(integer: right, real: left)
        case (.text(let left), .text(let right)):
            return collation.compare(left, right)
        case (.blob(let left), .blob(let right)):
            return compareBytes(left, right)
        default:
            let left = rank(lhs)
            let right = rank(rhs)
            return left == right ? 0 : (left < right ? -1 : 1)
        }
    }

    /// The storage-class position in the cross-class order: NULL (and NaN), numbers, TEXT, BLOB.
    private static func rank(_ value: SQLValue) -> Int {
        switch value {
        case .null: 0
        case .real(let real) where real.isNaN: 0
        case .integer, .real: 1
        case .text: 2
        case .blob: 3
        }
    }

    /// `sqlite3IntFloatCompare` without rounding: reals outside Int64's range lie beyond every
    /// integer; otherwise compare with the real's integer part (exact, since truncating a double
    /// gives a double), and on a tie the real's fractional part decides.
    private static func compare(integer: Int64, real: Double) -> Int {
        if real < -0x1p63 { return 1 }
        if real >= 0x1p63 { return -1 }
        let whole = real.rounded(.towardZero)
        let truncated = Int64(whole)
        if integer < truncated { return -1 }
        if integer > truncated { return 1 }
        if real > whole { return -1 }
        if real < whole { return 1 }
        return 0
    }

    /// BLOB order: `memcmp` over the common length, then the shorter first.
    private static func compareBytes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
        for (left, right) in zip(lhs, rhs) where left != right {
            return left < right ? -1 : 1
        }
        return lhs.count == rhs.count ? 0 : (lhs.count < rhs.count ? -1 : 1)
    }
}
