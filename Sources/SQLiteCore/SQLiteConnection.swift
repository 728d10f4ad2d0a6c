import CSQLite
import ShardQLBase

/// One open SQLite database connection.
///
/// ```swift
/// let connection = try SQLiteConnection(path: "/tmp/shard.sqlite")
/// try connection.execute("CREATE TABLE IF NOT EXISTS t(a INTEGER PRIMARY KEY, b TEXT)")
/// let insert = try connection.cachedStatement("INSERT INTO t(b) VALUES (?)")
/// try insert.bind([.text("hello")])
/// try insert.run()
/// print(connection.lastInsertRowID)
/// ```
///
/// The class is deliberately not `Sendable`: SQLite connections are opened with
/// `SQLITE_OPEN_NOMUTEX`, so the compiler must keep each connection in one isolation domain at a
/// time. Give it to a ``SQLiteDatabase`` to use it from async code without blocking the
/// cooperative thread pool. The only call meant for other threads is ``interrupt()``; take
/// ``interruptHandle``, which is `Sendable`, to make it from there.
public final class SQLiteConnection {
    /// The `sqlite3` pointer, for targets that call the C API directly; `nil` once closed.
    package private(set) var handle: OpaquePointer?

    /// Interrupts this connection's statements from any thread; stays safe after ``close()``.
    public let interruptHandle: SQLiteInterruptHandle

    /// The path the connection was opened with.
    public let path: String

    var statementCache: SQLiteStatementCache

    /// Set by ``confineToReading(maxValueBytes:)`` or ``confineToOwnFile(maxValueBytes:)``; SQLite's authorizer
    /// callback points at it.
    var connectionGuard: ConnectionGuard?

    /// Process-wide SQLite settings, made once before the first connection: no memory statistics
    /// (nothing here reads them, and keeping them serializes every allocation of every thread).
    private static let processSetup: Void = { _ = shardql_config_memory_statistics(0) }()

    /// The version of the SQLite library in use, like `"3.40.1"`.
    public static var libraryVersion: String {
        String(cString: sqlite3_libversion())
    }

    /// Opens (and, unless read-only, creates) the database at `path`; `":memory:"` opens a
    /// private in-memory database.
    ///
    /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/sqlite`` when the file cannot be
    ///   opened or set up.
    public init(path: String, configuration: SQLiteConfiguration = SQLiteConfiguration()) throws {
        _ = Self.processSetup
        // NOMUTEX: the type system already serializes use (the class is not Sendable), so SQLite's
        // own per-call mutex would be pure overhead. EXRESCODE: extended codes from every call,
        // including the open itself.
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= configuration.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            // SQLite usually allocates a handle even when the open fails, to carry the message.
            let error = ShardQLError(sqliteCode: code, db: db)
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        self.interruptHandle = SQLiteInterruptHandle(db)
        self.statementCache = SQLiteStatementCache(capacity: configuration.statementCacheCapacity)
        do {
            try configure(db, configuration)
        } catch {
            close()
            throw error
        }
    }

    private func configure(_ db: OpaquePointer, _ configuration: SQLiteConfiguration) throws {
        sqlite3_extended_result_codes(db, 1)
        let milliseconds = configuration.busyTimeout.components.seconds * 1000
            + configuration.busyTimeout.components.attoseconds / 1_000_000_000_000_000
        try check(sqlite3_busy_timeout(db, Int32(clamping: max(0, milliseconds))))
        if configuration.cancelsOnTaskCancellation {
            // Non-zero from the handler makes the statement fail with SQLITE_INTERRUPT.
            sqlite3_progress_handler(db, 4096, { _ in Task.isCancelled ? 1 : 0 }, nil)
        }
        let isMemory = path == ":memory:" || path.isEmpty || path.hasPrefix("file::memory:")
        if configuration.mmapSize > 0, !isMemory {
            try execute("PRAGMA mmap_size = \(configuration.mmapSize)")
        }
        if configuration.walMode, !configuration.readOnly, !isMemory {
            // WAL lets readers run beside the writer; under WAL, NORMAL still survives application
            // crashes and only skips the fsync per commit. If the file system cannot do WAL
            // (no shared memory), SQLite keeps the old mode and so do we.
            let mode = try prepare("PRAGMA journal_mode = WAL").rows().first?.first
            if mode == .text("wal") {
                try execute("PRAGMA synchronous = NORMAL")
            }
        }
    }

    deinit {
        close()
    }

    /// Closes the connection. Later calls fail; calling `close()` again does nothing.
    ///
    /// It uses `sqlite3_close_v2`, which never fails for unfinalized statements: a statement still
    /// referenced elsewhere keeps the connection's memory alive until it is released. It does not
    /// throw because `sqlite3_close_v2` only reports misuse, which this type rules out.
    public func close() {
        guard let db = handle else { return }
        statementCache.removeAll()
        // Invalidate first: it waits for a concurrent interrupt() to finish with the pointer.
        interruptHandle.invalidate()
        handle = nil
        sqlite3_close_v2(db)
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { handle == nil }

    package func liveHandle() throws -> OpaquePointer {
        guard let handle else {
            throw ShardQLError(.invalidArgument, "the SQLite connection to '\(path)' is closed")
        }
        return handle
    }

    @inline(__always)
    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw ShardQLError(sqliteCode: code, db: handle) }
    }

    // MARK: Statements

    /// Runs a script of zero or more `;`-separated statements, discarding any rows.
    ///
    /// Statements run in order until one fails; those before it stay applied (wrap the script in
    /// ``transaction(_:_:)`` to make it all-or-nothing).
    ///
    /// - Throws: ``ShardQLError``; a syntax error carries the position in `sql`.
    public func execute(_ sql: String) throws {
        let db = try liveHandle()
        try sql.withCString { base in
            let end = base + sql.utf8.count
            var next: UnsafePointer<CChar>? = base
            while let start = next, start < end {
                var statement: OpaquePointer?
                let code = sqlite3_prepare_v2(db, start, Int32(end - start), &statement, &next)
                guard code == SQLITE_OK else {
                    throw ShardQLError(sqliteCode: code, db: db, sql: sql, sqlOffset: start - base)
                }
                // Only whitespace and comments were left.
                guard let statement else { break }
                defer { sqlite3_finalize(statement) }
                var stepCode: Int32
                repeat { stepCode = sqlite3_step(statement) } while stepCode == SQLITE_ROW
                guard stepCode == SQLITE_DONE else { throw ShardQLError(sqliteCode: stepCode, db: db) }
            }
        }
    }

    /// Compiles one SQL statement.
    ///
    /// - Throws: ``ShardQLError`` from SQLite (a syntax error carries its position in `sql`), or
    ///   ``ShardQLError/Code/invalidArgument`` when `sql` holds no statement or more than one.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try prepare(sql, flags: 0)
    }

    /// The prepared statement for `sql` from the connection's cache, reset with bindings cleared;
    /// prepares and caches it on a miss.
    ///
    /// The same object comes back for the same text, so finish with one use before starting the
    /// next: fetching it again rewinds it.
    public func cachedStatement(_ sql: String) throws -> SQLiteStatement {
        if let statement = statementCache.statement(for: sql) {
            statement.reset()
            statement.clearBindings()
            return statement
        }
        // PERSISTENT tells SQLite's allocator the statement is long-lived, keeping it out of the
        // lookaside memory meant for short-lived objects.
        let statement = try prepare(sql, flags: UInt32(SQLITE_PREPARE_PERSISTENT))
        statementCache.insert(statement, for: sql)
        return statement
    }

    /// How many statements the statement cache holds.
    public var cachedStatementCount: Int { statementCache.count }

    private func prepare(_ sql: String, flags: UInt32) throws -> SQLiteStatement {
        let db = try liveHandle()
        return try sql.withCString { base in
            var handle: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(db, base, -1, flags, &handle, &tail)
            guard code == SQLITE_OK else { throw ShardQLError(sqliteCode: code, db: db, sql: sql) }
            guard let handle else { throw ShardQLError(.invalidArgument, "no SQL statement in: \(sql)") }
            let statement = SQLiteStatement(handle: handle)
            // Anything but whitespace and comments after the first statement would be silently
            // ignored by SQLite; compiling it is the exact way to tell.
            if let tail, tail.pointee != 0 {
                var extra: OpaquePointer?
                let extraCode = sqlite3_prepare_v2(db, tail, -1, &extra, nil)
                sqlite3_finalize(extra)
                guard extraCode == SQLITE_OK, extra == nil else {
                    throw ShardQLError(.invalidArgument, "expected one SQL statement, found more in: \(sql)")
                }
            }
            return statement
        }
    }

    // MARK: State

    /// Rows changed by the most recent `INSERT`, `UPDATE` or `DELETE`.
    public var changes: Int {
        handle.map { Int(sqlite3_changes64($0)) } ?? 0
    }

    /// Rows changed since the connection opened.
    public var totalChanges: Int {
        handle.map { Int(sqlite3_total_changes64($0)) } ?? 0
    }

    /// The rowid of the most recent successful `INSERT`.
    public var lastInsertRowID: Int64 {
        handle.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    /// Whether no transaction is open (SQLite's autocommit mode).
    public var isAutocommit: Bool {
        handle.map { sqlite3_get_autocommit($0) != 0 } ?? true
    }

    /// How many databases can be attached at once (`SQLITE_LIMIT_ATTACHED`; 10 unless SQLite was
    /// built otherwise).
    public var attachedDatabaseLimit: Int {
        handle.map { Int(sqlite3_limit($0, SQLITE_LIMIT_ATTACHED, -1)) } ?? 0
    }

    /// Makes the running statement fail with ``ShardQLError/Code/cancelled``.
    ///
    /// To call it from another thread, use ``interruptHandle`` (the connection itself cannot be
    /// shared).
    public func interrupt() {
        interruptHandle.interrupt()
    }
}
