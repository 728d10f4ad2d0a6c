import CSQLite
import ShardQLBase

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteConnection {
    /// Confines every statement prepared on this connection from now on to reading, whatever SQL
    /// it is given: a connection that runs statements from elsewhere (a worker serving a
    /// coordinator's fragments) can then read its files and nothing more.
    ///
    /// A read-only open already refuses writes to the main file, but leaves open `ATTACH` of any
    /// file on the host, `VACUUM INTO` a new file, writes to the connection's TEMP database,
    /// `PRAGMA` settings, transactions that pin an old snapshot, and `load_extension()`. The guard
    /// is an authorizer (`sqlite3_set_authorizer`) that allows only what a query needs — reading
    /// tables, calling functions other than `load_extension`, recursive CTEs, and `PRAGMA`s without
    /// a value that have no side effect — and checks every preparation, including SQLite's own
    /// re-preparation after a schema change. It also turns on `SQLITE_DBCONFIG_DEFENSIVE` and caps
    /// a string or blob at `maxValueBytes` (`SQLITE_LIMIT_LENGTH`), so no statement can build a
    /// value the caller cannot hold.
    ///
    /// `ATTACH` and `DETACH` are allowed only inside ``withAttachmentsPermitted(_:)``, which the
    /// connection's owner uses to attach files it chose itself.
    ///
    /// ```swift
    /// let connection = try SQLiteConnection(path: shardPath, configuration: .init(readOnly: true))
    /// try connection.confineToReading(maxValueBytes: 16 << 20)
    /// try connection.prepare("ATTACH '/etc/other.db' AS x")  // throws: not authorized
    /// ```
    public func confineToReading(maxValueBytes: Int) throws {
        try installGuard(ConnectionGuard(readingOnly: true))
        sqlite3_limit(try liveHandle(), SQLITE_LIMIT_LENGTH, Int32(clamping: max(1, maxValueBytes)))
    }

    /// Confines the connection to its own file: statements may change it in any way, but not
    /// `ATTACH` (or `VACUUM INTO`) another file, nor load an extension, nor build a string or blob
    /// over `maxValueBytes` — for a connection that runs writes from elsewhere.
    /// ``withAttachmentsPermitted(_:)`` lifts the `ATTACH` ban for the owner's own statements.
    public func confineToOwnFile(maxValueBytes: Int) throws {
        try installGuard(ConnectionGuard(readingOnly: false))
        sqlite3_limit(try liveHandle(), SQLITE_LIMIT_LENGTH, Int32(clamping: max(1, maxValueBytes)))
    }

    private func installGuard(_ connectionGuard: ConnectionGuard) throws {
        let db = try liveHandle()
        var ignored: Int32 = 0
        let code = shardql_db_config_int(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &ignored)
        guard code == SQLITE_OK else {
            throw ShardQLError(.sqlite, "cannot make the connection defensive", sqliteResultCode: code)
        }
        let installed = sqlite3_set_authorizer(
            db,
            { context, action, first, second, _, _ in
                let connectionGuard = Unmanaged<ConnectionGuard>.fromOpaque(context!).takeUnretainedValue()
                return connectionGuard.authorize(action, first, second)
            },
            Unmanaged.passUnretained(connectionGuard).toOpaque())
        guard installed == SQLITE_OK else {
            throw ShardQLError(.sqlite, "cannot install the connection's authorizer", sqliteResultCode: installed)
        }
        self.connectionGuard = connectionGuard
        // Statements prepared before the guard skipped it: drop them so they are prepared again.
        statementCache.removeAll()
    }

    /// Runs `body` with `ATTACH` and `DETACH` allowed on a connection confined by
    /// ``confineToReading(maxValueBytes:)`` or ``confineToOwnFile(maxValueBytes:)``; elsewhere it just runs `body`.
    public func withAttachmentsPermitted<T>(_ body: () throws -> T) rethrows -> T {
        guard let connectionGuard else { return try body() }
        connectionGuard.permitsAttachments = true
        defer { connectionGuard.permitsAttachments = false }
        return try body()
    }
}

/// The authorizer's state; owned by the connection, which outlives every call SQLite makes to it.
final class ConnectionGuard {
    /// Whether only reading is allowed (else anything but attachments and extensions).
    let readingOnly: Bool
    /// Set only around the owner's own `ATTACH`/`DETACH` statements, on the connection's thread.
    var permitsAttachments = false

    init(readingOnly: Bool) {
        self.readingOnly = readingOnly
    }

    /// `PRAGMA`s that change something even without a value.
    private static let pragmasWithSideEffects: Set<String> = [
        "wal_checkpoint", "optimize", "shrink_memory", "incremental_vacuum", "analysis_limit",
    ]

    /// SQLite asks once per table, column and function a statement uses, while preparing it:
    /// the arguments are only turned into Swift strings where a decision reads them.
    func authorize(_ action: Int32, _ first: UnsafePointer<CChar>?, _ second: UnsafePointer<CChar>?) -> Int32 {
        switch action {
        case SQLITE_ATTACH, SQLITE_DETACH:
            // VACUUM INTO asks for SQLITE_ATTACH too.
            return permitsAttachments ? SQLITE_OK : SQLITE_DENY
        case SQLITE_FUNCTION:
            // The function's name is the second argument.
            guard let second else { return SQLITE_OK }
            return sqlite3_stricmp(second, "load_extension") == 0 ? SQLITE_DENY : SQLITE_OK
        case _ where !readingOnly:
            return SQLITE_OK
        case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
            return SQLITE_OK
        case SQLITE_UPDATE where first.map { strcmp($0, "sqlite_master") == 0 } ?? false:
            // A table-valued PRAGMA function (`pragma_page_count()`) declares its table with a
            // nested update of the schema; the connection opened read-only could not write it anyway.
            return SQLITE_OK
        case SQLITE_PRAGMA:
            guard second == nil, let first else { return SQLITE_DENY }
            return Self.pragmasWithSideEffects.contains(String(cString: first).lowercased()) ? SQLITE_DENY : SQLITE_OK
        default:
            // Writes, DDL (TEMP included), transactions and savepoints, ANALYZE, REINDEX: nothing
            // a read needs.
            return SQLITE_DENY
        }
    }
}
