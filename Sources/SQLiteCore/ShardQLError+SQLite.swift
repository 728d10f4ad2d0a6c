import CSQLite
import ShardQLBase

extension ShardQLError {
    /// The error for a failed SQLite call: SQLite's message and extended result code.
    ///
    /// `SQLITE_INTERRUPT` becomes ``ShardQLError/Code/cancelled`` so callers handle an interrupted
    /// statement like any other cancellation; the result code is kept either way.
    ///
    /// - Parameters:
    ///   - resultCode: what the call returned (extended, since connections enable extended codes).
    ///   - db: the connection, for `sqlite3_errmsg`; `nil` when there is none (a failed open).
    ///   - sql: the statement text, to turn SQLite's error offset into a ``SourceLocation``.
    ///   - sqlOffset: where the text SQLite was given starts inside `sql`, for scripts.
    package init(sqliteCode resultCode: Int32, db: OpaquePointer?, sql: String? = nil, sqlOffset: Int = 0) {
        let message: String
        if let db {
            message = String(cString: sqlite3_errmsg(db))
        } else {
            message = String(cString: sqlite3_errstr(resultCode))
        }
        var location: SourceLocation?
        if let sql, let db {
            let offset = Int(sqlite3_error_offset(db))
            if offset >= 0 {
                location = SourceLocation(offset: sqlOffset + offset, in: sql)
            }
        }
        let code: Code = resultCode & 0xFF == SQLITE_INTERRUPT ? .cancelled : .sqlite
        self.init(code, message, location: location, sqliteResultCode: resultCode)
    }
}
