import ShardQLBase

/// A database a sqllogictest runner can drive: plain SQLite (``SLTSQLiteDatabase``), ShardQL's
/// engine, or anything else that answers SQL.
///
/// The runner hands over each record's SQL text whole. A `statement` record may hold several
/// statements separated by `;`: the database runs them in order and throws at the first failure,
/// as `sqlite3_exec` does. For a `query` record the result is that of the last statement.
///
/// ```swift
/// struct Echo: SLTDatabase {
///     mutating func execute(_ sql: String) async throws -> SLTResult {
///         SLTResult(columnCount: 1, rows: [[.text(sql)]])
///     }
/// }
/// ```
public protocol SLTDatabase {
    /// Runs `sql` (one or more statements) and returns the rows of the last one.
    ///
    /// - Throws: any error, when a statement fails; the runner only checks that one was thrown
    ///   and prints its description.
    mutating func execute(_ sql: String) async throws -> SLTResult
}

/// The result of the last statement a database ran: its column count and rows, each value in its
/// exact storage class.
///
/// Statements that return no rows (`CREATE`, `INSERT`, …) have `columnCount` 0 and no rows.
public struct SLTResult: Hashable, Sendable {
    /// How many columns the statement's result has (`sqlite3_column_count`), even when it has no rows.
    public var columnCount: Int
    /// The rows, each with `columnCount` values.
    public var rows: [[SQLValue]]

    /// A result of `columnCount` columns holding `rows`.
    public init(columnCount: Int, rows: [[SQLValue]]) {
        self.columnCount = columnCount
        self.rows = rows
    }

    /// The result of a statement that returns no rows.
    public static let empty = SLTResult(columnCount: 0, rows: [])
}
