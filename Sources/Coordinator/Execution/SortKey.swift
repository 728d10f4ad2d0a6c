import Partitioning
import ShardQLBase

/// One term of an `ORDER BY`, resolved to a column of the rows being merged.
///
/// Values compare as SQLite's `ORDER BY` does (``SQLiteOrdering``); where NULLs go is set apart from
/// the direction, so `NULLS FIRST`/`NULLS LAST` need nothing special.
package struct SortKey: Sendable, Hashable {
    /// The index of the column in each row.
    package var column: Int
    package var descending: Bool
    /// Whether NULLs come before every other value, whatever ``descending`` says.
    package var nullsFirst: Bool
    /// The collation TEXT values compare under.
    package var collation: Collation

    /// A key on `column`; `nullsFirst` defaults to SQLite's rule: NULLs first ascending, last descending.
    package init(column: Int, descending: Bool = false, nullsFirst: Bool? = nil, collation: Collation = .binary) {
        self.column = column
        self.descending = descending
        self.nullsFirst = nullsFirst ?? !descending
        self.collation = collation
    }

    /// −1 if `lhs` sorts before `rhs` under `keys`, 1 if after, 0 if every key ties.
    package static func compare(_ lhs: [SQLValue], _ rhs: [SQLValue], by keys: [SortKey]) -> Int {
        for key in keys {
            let order = key.compare(lhs[key.column], rhs[key.column])
            if order != 0 { return order }
        }
        return 0
    }

    /// The order of two values of this key's column.
    package func compare(_ lhs: SQLValue, _ rhs: SQLValue) -> Int {
        switch (Self.isNull(lhs), Self.isNull(rhs)) {
        case (true, true): return 0
        case (true, false): return nullsFirst ? -1 : 1
        case (false, true): return nullsFirst ? 1 : -1
        case (false, false):
            let order = SQLiteOrdering.compare(lhs, rhs, collation: collation)
            return descending ? -order : order
        }
    }

    /// NULL, or a NaN, which ``SQLiteOrdering`` ranks with NULL as SQLite stores it.
    private static func isNull(_ value: SQLValue) -> Bool {
        switch value {
        case .null: true
        case .real(let real): real.isNaN
        default: false
        }
    }
}
