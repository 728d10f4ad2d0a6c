import ShardQLBase
import SQLSyntax
import SQLiteCore

/// Plain SQLite as an ``SLTDatabase``: the reference every other engine is held to.
///
/// `statement` text runs as `sqlite3_exec` would run it (each statement in turn, stopping at the
/// first error); query text runs statement by statement too, and the result is the last one's.
/// The connection lives in a ``SQLiteDatabase`` actor, so SQLite's blocking calls stay off the
/// cooperative thread pool.
///
/// ```swift
/// var database = try await SLTSQLiteDatabase()  // a private in-memory database
/// _ = try await database.execute("CREATE TABLE t(a); INSERT INTO t VALUES (1)")
/// let result = try await database.execute("SELECT a, a * 2 FROM t")
/// // SLTResult(columnCount: 2, rows: [[.integer(1), .integer(2)]])
/// ```
public struct SLTSQLiteDatabase: SLTDatabase {
    private let database: SQLiteDatabase

    /// Opens (creating it if needed) the database at `path`; `":memory:"` is a private in-memory one.
    public init(path: String = ":memory:", configuration: SQLiteConfiguration = SQLiteConfiguration()) async throws {
        database = try await SQLiteDatabase(path: path, configuration: configuration)
    }

    /// Runs `sql` and returns the columns and rows of its last statement.
    public mutating func execute(_ sql: String) async throws -> SLTResult {
        try await database.withConnection { connection in
            try Self.execute(sql, on: connection)
        }
    }

    /// Closes the connection; later calls fail.
    public func close() async {
        await database.close()
    }

    /// Runs every statement of `sql` on `connection` and returns the last one's result.
    static func execute(_ sql: String, on connection: SQLiteConnection) throws -> SLTResult {
        var result = SLTResult.empty
        for piece in SQLScript(sql).pieces {
            let statement = try connection.prepare(String(piece.text))
            var rows: [[SQLValue]] = []
            while try statement.step() {
                rows.append(statement.row())
            }
            result = SLTResult(columnCount: statement.columnCount, rows: rows)
        }
        return result
    }
}
