import SQLiteCore
import ShardQLBase

/// The embedded catalog: one SQLite file, `DIR/catalog.sqlite` by convention
/// (``defaultFileName``).
///
/// ```swift
/// let store = try await SQLiteCatalogStore(path: "shardql-data/catalog.sqlite")
/// let snapshot = try await store.snapshot()
/// ```
///
/// Every SQLite call runs on the ``SQLiteDatabase``'s own queue, never on the cooperative pool.
/// Writes are `BEGIN IMMEDIATE` transactions, so several processes may share the file. The latest
/// snapshot is cached and reused while the stored `catalog_version` is unchanged, so
/// ``snapshot()`` costs one small query, and ``mayHaveChanged(since:)`` none (a second
/// connection's `PRAGMA data_version`, on the caller's thread).
///
/// The file is recognised by `PRAGMA application_id` (``applicationID``) and carries its schema
/// version in the `meta` table: opening upgrades an older file in one transaction, and refuses a
/// newer one or one that is not a ShardQL catalog.
public actor SQLiteCatalogStore: CatalogStore {
    /// The file name inside a cluster's data directory.
    public static let defaultFileName = "catalog.sqlite"

    /// `PRAGMA application_id` of a catalog file: `"ShQL"` in ASCII.
    public static let applicationID: Int32 = 0x5368_514C

    /// The schema version this build writes.
    public static var schemaVersion: Int64 { SQLiteCatalogMigration.all.last!.version }

    /// The path the store was opened with.
    public nonisolated let path: String

    private let database: SQLiteDatabase
    private var cached: CatalogSnapshot?
    /// Answers ``mayHaveChanged(since:)`` from the file's data version.
    private let watch: SQLiteCatalogWatch

    /// Opens the catalog at `path`, creating it when the file is missing or empty.
    ///
    /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/invalidArgument`` when the file is
    ///   not a ShardQL catalog, ``ShardQLError/Code/unsupported`` when its schema is newer than
    ///   this build understands, or SQLite's error when it cannot be opened.
    public init(path: String) async throws {
        try await self.init(path: path, migrations: SQLiteCatalogMigration.all)
    }

    /// Opens the catalog with a given list of migration steps (tests simulate older and newer
    /// builds with it).
    package init(path: String, migrations: [SQLiteCatalogMigration]) async throws {
        self.path = path
        do {
            database = try await SQLiteDatabase(path: path)
        } catch let error as ShardQLError where error.sqliteResultCode.map({ $0 & 0xFF }) == 26 {
            throw Self.notACatalog(path, error)  // SQLITE_NOTADB: reading the header failed
        }
        do {
            try await database.withConnection { connection in
                try Self.prepareFile(connection, path: path, migrations: migrations)
            }
            watch = try SQLiteCatalogWatch(path: path)
        } catch {
            await database.close()
            throw error
        }
    }

    public func snapshot() async throws -> CatalogSnapshot {
        let cached = self.cached
        let dataVersion = watch.dataVersion()
        let snapshot = try await database.withConnection { connection in
            try connection.transaction(.deferred) { try Self.currentSnapshot(cached: cached, connection) }
        }
        remember(snapshot)
        watch.confirm(snapshot.version, readSince: dataVersion)
        return snapshot
    }

    public func apply(_ changes: [CatalogChange], expectedVersion: Int64?) async throws -> CatalogSnapshot {
        let cached = self.cached
        let snapshot = try await database.write(.immediate) { connection in
            try Self.apply(changes, expectedVersion: expectedVersion, cached: cached, connection)
        }
        remember(snapshot)
        return snapshot
    }

    public func allocateKeys(table: TableID, count: Int) async throws -> ClosedRange<Int64> {
        guard count >= 1 else {
            throw ShardQLError(.invalidArgument, "cannot allocate \(count) keys: the count must be at least 1")
        }
        return try await database.write(.immediate) { connection in
            try Self.checkTableExists(table, connection)
            let last = try Self.lastKey(of: table, connection)
            let (end, overflow) = last.addingReportingOverflow(Int64(count))
            guard !overflow else {
                throw ShardQLError(.invalidArgument, "no keys left for \(table): \(count) more would pass \(Int64.max)")
            }
            try Self.run(
                "INSERT INTO table_keys(table_id, last_key) VALUES (?, ?) "
                    + "ON CONFLICT(table_id) DO UPDATE SET last_key = excluded.last_key",
                [.integer(table.rawValue), .integer(end)], connection)
            return (last + 1)...end
        }
    }

    public func reserveIDs(count: Int) async throws -> ClosedRange<Int64> {
        guard count >= 1 else {
            throw ShardQLError(.invalidArgument, "cannot reserve \(count) IDs: the count must be at least 1")
        }
        return try await database.write(.immediate) { connection in
            // `reserved_id` (absent until the first reservation) is past every reserved ID.
            let statement = try connection.cachedStatement("SELECT value FROM meta WHERE key = 'reserved_id'")
            let reserved: Int64 = if case .integer(let value)? = try statement.rows().first?.first { value } else { 0 }
            let first = max(try Self.meta("next_id", connection), reserved)
            try Self.setMeta("reserved_id", first + Int64(count), connection)
            return first...(first + Int64(count) - 1)
        }
    }

    public func raiseKeyFloor(table: TableID, atLeast key: Int64) async throws {
        try await database.write(.immediate) { connection in
            try Self.checkTableExists(table, connection)
            try Self.run(
                "INSERT INTO table_keys(table_id, last_key) VALUES (?, max(?, 0)) "
                    + "ON CONFLICT(table_id) DO UPDATE SET last_key = max(last_key, excluded.last_key)",
                [.integer(table.rawValue), .integer(key)], connection)
        }
    }

    public func recordContact(_ lastAnswers: [NodeID: Int64]) async throws {
        guard !lastAnswers.isEmpty else { return }
        try await database.write(.immediate) { connection in
            for (node, time) in lastAnswers.sorted(by: { $0.key < $1.key }) {
                try Self.run(
                    "UPDATE nodes SET last_heartbeat = ? WHERE id = ? AND (last_heartbeat IS NULL OR last_heartbeat < ?)",
                    [.integer(time), .integer(node.rawValue), .integer(time)], connection)
            }
        }
        cached = cached?.raisingLastContact(lastAnswers)
    }

    // MARK: Two-phase commit decision log

    public func logTransaction(_ record: TransactionRecord, forgetting: [String]) async throws {
        let record = try record.checkedForLogging(forgetting: forgetting)
        try await database.write(.immediate) { connection in
            try Self.insertTransaction(record, connection)
            try Self.deleteTransactions(forgetting, connection)
        }
    }

    public func decide(
        _ id: String, commit: Bool, applying changes: [CatalogChange], expectedVersion: Int64?
    ) async throws -> (state: TransactionRecord.State, snapshot: CatalogSnapshot) {
        let cached = self.cached
        // One immediate transaction: of two racing calls the second sees the first's decision.
        let decision = try await database.write(.immediate) { connection in
            let stored = try Self.transactionState(id, connection)
            guard stored == .pending else {
                // Decided before (a retry), or never logged and so presumed aborted: nothing changes.
                return (state: stored ?? .aborted, snapshot: try Self.currentSnapshot(cached: cached, connection))
            }
            let state: TransactionRecord.State = commit ? .committed : .aborted
            let snapshot =
                if commit, !changes.isEmpty {
                    try Self.apply(changes, expectedVersion: expectedVersion, cached: cached, connection)
                } else {
                    try Self.currentSnapshot(cached: cached, connection)
                }
            try Self.setTransactionState(id, state, connection)
            return (state: state, snapshot: snapshot)
        }
        remember(decision.snapshot)
        return decision
    }

    public func forgetTransactions(_ ids: [String]) async throws {
        try await database.write(.immediate) { connection in try Self.deleteTransactions(ids, connection) }
    }

    public func transactions() async throws -> [TransactionRecord] {
        try await database.withConnection { connection in try Self.loadTransactions(connection) }
    }

    /// Holds the file's write lock (`BEGIN IMMEDIATE` on a connection of its own) while `body`
    /// runs; other writers wait for it up to their busy timeout.
    public func withDecisionsPaused<T: Sendable>(
        _ body: @escaping @Sendable (CatalogSnapshot, [TransactionRecord]) async throws -> T
    ) async throws -> T {
        let pause = try SQLiteConnection(path: path, configuration: SQLiteConfiguration(cancelsOnTaskCancellation: false))
        defer { pause.close() }
        try pause.execute("BEGIN IMMEDIATE")
        do {
            let snapshot = try Self.currentSnapshot(cached: cached, pause)
            let log = try Self.loadTransactions(pause)
            let value = try await body(snapshot, log)
            try pause.execute("COMMIT")
            return value
        } catch {
            try? pause.execute("ROLLBACK")
            throw error
        }
    }

    public nonisolated func mayHaveChanged(since version: Int64) -> Bool {
        watch.mayHaveChanged(since: version)
    }

    public func close() async {
        cached = nil
        watch.close()
        await database.close()
    }

    /// Keeps the newest snapshot seen; calls interleave at `await`, so an older one may arrive late.
    private func remember(_ snapshot: CatalogSnapshot) {
        if snapshot.version >= cached?.version ?? .min { cached = snapshot }
    }

    // MARK: Small SQL helpers

    static func run(_ sql: String, _ values: [SQLValue], _ connection: SQLiteConnection) throws {
        let statement = try connection.cachedStatement(sql)
        try statement.bind(values)
        try statement.run()
    }

    static func meta(_ key: String, _ connection: SQLiteConnection) throws -> Int64 {
        let statement = try connection.cachedStatement("SELECT value FROM meta WHERE key = ?")
        try statement.bind([.text(key)])
        guard case .integer(let value)? = try statement.rows().first?.first else {
            throw ShardQLError(.internalError, "the catalog '\(connection.path)' has no \(key) in its meta table")
        }
        return value
    }

    static func setMeta(_ key: String, _ value: Int64, _ connection: SQLiteConnection) throws {
        try run("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [.text(key), .integer(value)], connection)
    }

    private static func checkTableExists(_ table: TableID, _ connection: SQLiteConnection) throws {
        let statement = try connection.cachedStatement("SELECT 1 FROM tables WHERE id = ?")
        try statement.bind([.integer(table.rawValue)])
        guard try !statement.rows().isEmpty else { throw ShardQLError(.invalidArgument, "no such table: \(table)") }
    }

    private static func lastKey(of table: TableID, _ connection: SQLiteConnection) throws -> Int64 {
        let statement = try connection.cachedStatement("SELECT last_key FROM table_keys WHERE table_id = ?")
        try statement.bind([.integer(table.rawValue)])
        guard case .integer(let last)? = try statement.rows().first?.first else { return 0 }
        return last
    }
}
