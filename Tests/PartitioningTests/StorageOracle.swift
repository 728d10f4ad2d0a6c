import ShardQLBase
import SQLiteCore

/// A real SQLite table with one column per affinity: what SQLite stores is the oracle for
/// `Affinity.apply`.
final class StorageOracle {
    /// The declared types of the columns, in order, and the affinity each must get.
    static let columns: [(declaredType: String?, affinity: String)] = [
        ("INTEGER", "INTEGER"), ("TEXT", "TEXT"), ("BLOB", "BLOB"), ("REAL", "REAL"), ("NUMERIC", "NUMERIC"),
        (nil, "BLOB"),
    ]

    let connection: SQLiteConnection

    init() throws {
        connection = try SQLiteConnection(path: ":memory:")
        let definitions = Self.columns.enumerated().map { index, column in
            "c\(index) \(column.declaredType ?? "")"
        }
        try connection.execute("CREATE TABLE t(\(definitions.joined(separator: ", ")))")
    }

    /// Inserts `value` into every column and returns what SQLite reads back, in ``columns`` order.
    func stored(_ value: SQLValue) throws -> [SQLValue] {
        try connection.execute("DELETE FROM t")
        let marks = Array(repeating: "?", count: Self.columns.count).joined(separator: ", ")
        let insert = try connection.cachedStatement("INSERT INTO t VALUES (\(marks))")
        try insert.bind(Array(repeating: value, count: Self.columns.count))
        try insert.run()
        let rows = try connection.cachedStatement("SELECT * FROM t").rows()
        return rows[0]
    }

    /// Evaluates a one-row, one-column query with bound values.
    func scalar(_ sql: String, _ values: [SQLValue]) throws -> SQLValue {
        let statement = try connection.cachedStatement(sql)
        try statement.bind(values)
        return try statement.rows()[0][0]
    }
}

/// Equality that also tells `0.0` from `-0.0` and INTEGER from REAL: the same storage class and the
/// same bits.
func identical(_ lhs: SQLValue, _ rhs: SQLValue) -> Bool {
    switch (lhs, rhs) {
    case (.real(let left), .real(let right)): left.bitPattern == right.bitPattern
    default: lhs == rhs
    }
}
