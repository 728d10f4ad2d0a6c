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

/// A small deterministic generator (SplitMix64), so randomized tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
