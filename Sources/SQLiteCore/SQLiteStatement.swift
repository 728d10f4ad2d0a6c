import CSQLite
import ShardQLBase

/// A prepared SQLite statement: bind parameters, step through rows, read columns.
///
/// Parameter indices are 1-based and column indices 0-based, as in the C API. Values come back
/// in their exact storage class, TEXT as the bytes SQLite stores (see ``SQLValue``).
///
/// ```swift
/// let statement = try connection.prepare("SELECT name FROM users WHERE id = :id")
/// try statement.bind(.integer(42), named: ":id")
/// while try statement.step() {
///     print(statement.column(0))
/// }
/// ```
///
/// A statement belongs to the connection that prepared it and, like it, is used by one thread at
/// a time. Do not use it after the connection closes; it is finalized when released.
public final class SQLiteStatement {
    /// The `sqlite3_stmt` pointer, for targets that call the C API directly.
    package let handle: OpaquePointer
    /// The owning connection's `sqlite3` pointer, for error messages. `sqlite3_close_v2` keeps it
    /// allocated until this statement is finalized, so it never dangles.
    package let db: OpaquePointer

    private var cachedColumnNames: [String]?

    package init(handle: OpaquePointer) {
        self.handle = handle
        self.db = sqlite3_db_handle(handle)
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Metadata

    /// The SQL text the statement was prepared from.
    public var sql: String {
        String(cString: sqlite3_sql(handle))
    }

    /// The SQL text with the bound parameters substituted, for logging; `nil` if SQLite is out of
    /// memory or the text exceeds its length limit.
    public var expandedSQL: String? {
        guard let text = sqlite3_expanded_sql(handle) else { return nil }
        defer { sqlite3_free(text) }
        return String(cString: text)
    }

    /// Whether the statement leaves the database unchanged (`sqlite3_stmt_readonly`).
    ///
    /// `BEGIN`, `COMMIT` and `SAVEPOINT` count as read-only: they do not write by themselves.
    public var isReadOnly: Bool {
        sqlite3_stmt_readonly(handle) != 0
    }

    /// The number of `?`, `?NNN`, `:name`, `@name` and `$name` parameters (the largest index).
    public var parameterCount: Int {
        Int(sqlite3_bind_parameter_count(handle))
    }

    /// The name of the parameter at a 1-based index, prefix included (`":id"`); `nil` for `?`.
    public func parameterName(at index: Int) -> String? {
        sqlite3_bind_parameter_name(handle, Int32(index)).map { String(cString: $0) }
    }

    /// The number of columns in a result row; `0` for statements that return no rows.
    public var columnCount: Int {
        Int(sqlite3_column_count(handle))
    }

    /// The result column names (the `AS` alias when there is one).
    public var columnNames: [String] {
        if let cachedColumnNames { return cachedColumnNames }
        // Names only change when the schema changes and SQLite re-prepares, which is rare enough
        // that caching them once per statement is worth it for row-by-row callers.
        let names = (0..<Int32(columnCount)).map { index in
            sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
        }
        cachedColumnNames = names
        return names
    }

    /// The declared type of a result column (`"INTEGER"`, `"VARCHAR(10)"`), or `nil` when the
    /// column is an expression rather than a table column.
    public func columnDeclaredType(at index: Int) -> String? {
        sqlite3_column_decltype(handle, Int32(index)).map { String(cString: $0) }
    }

    /// The declared types of all result columns; see ``columnDeclaredType(at:)``.
    public var columnDeclaredTypes: [String?] {
        (0..<columnCount).map { columnDeclaredType(at: $0) }
    }

    // MARK: Execution

    /// Runs the statement to its next row.
    ///
    /// - Returns: `true` when a row is available to read with ``column(_:)`` or ``row()``;
    ///   `false` when the statement has finished. Stepping again after `false` starts it over.
    /// - Throws: ``ShardQLError`` with SQLite's message and extended result code, or code
    ///   ``ShardQLError/Code/cancelled`` when interrupted.
    @inline(__always)
    public func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw ShardQLError(sqliteCode: code, db: db)
        }
    }

    /// The value of a column of the current row (0-based), in its exact storage class.
    public func column(_ index: Int) -> SQLValue {
        let index = Int32(index)
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            // Pointer first, then length: that order is what the SQLite docs promise is safe.
            guard let bytes = sqlite3_column_text(handle, index) else { return .text(SQLText(bytes: [])) }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .text(SQLText(bytes: Array(UnsafeBufferPointer(start: bytes, count: count))))
        case SQLITE_BLOB:
            // A zero-length blob reads back as a NULL pointer; it is still a blob, not NULL.
            guard let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }

    /// All columns of the current row.
    public func row() -> [SQLValue] {
        let count = columnCount
        var values: [SQLValue] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            values.append(column(index))
        }
        return values
    }

    /// Runs the statement from the start with its current bindings and collects every row, then
    /// resets it so it holds no read transaction open.
    public func rows() throws -> [[SQLValue]] {
        reset()
        defer { reset() }
        var rows: [[SQLValue]] = []
        while try step() {
            rows.append(row())
        }
        return rows
    }

    /// Runs the statement to completion, discarding any rows, then resets it.
    public func run() throws {
        reset()
        defer { reset() }
        while try step() {}
    }

    /// Rewinds the statement so the next ``step()`` starts over; bindings are kept.
    ///
    /// It does not throw: `sqlite3_reset` only repeats the error the last ``step()`` already threw.
    public func reset() {
        sqlite3_reset(handle)
    }

    /// Sets every parameter back to NULL.
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }
}
