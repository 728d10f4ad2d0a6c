import Catalog
import Logging
import PostgresNIO
import ShardQLBase
import Synchronization

/// The catalog in PostgreSQL (DESIGN §4): `--catalog postgres://user:password@host:port/db`, for
/// several coordinators sharing one cluster, or users who already run PostgreSQL.
///
/// ```swift
/// let store = try await PostgresCatalogStore(configuration: .init(url: "postgres://shardql@db:5432/meta"))
/// let snapshot = try await store.snapshot()
/// ```
///
/// Everything lives in the schema `shardql`, created on first open and migrated with a version
/// number (``schemaVersion``); a catalog written by a newer build is refused. Every change is one
/// PostgreSQL transaction, and writers of the schema take the row lock of the catalog version
/// first, so coordinators changing the catalog at once are serialized and the loser of a race
/// gets a version conflict rather than a mix. Key counters are one atomic statement each.
///
/// Coordinators learn of each other's changes by `LISTEN/NOTIFY` (``mayHaveChanged(since:)``
/// answers from memory), so a query costs no round trip to PostgreSQL while the catalog is
/// unchanged. Every call is bounded by the configuration's timeout: a server that is down or
/// unreachable is an error naming it, never a hang.
public final class PostgresCatalogStore: CatalogStore {
    /// The schema version this build writes.
    public static var schemaVersion: Int64 { PostgresCatalogMigration.all.last!.version }

    /// The channel schema changes are announced on; the payload is the new catalog version.
    static let channel = "shardql_catalog"

    public let configuration: Configuration
    private let client: PostgresClient
    /// Runs the connection pool (`PostgresClient.run`), and the listener.
    private let background: Mutex<[Task<Void, Never>]>
    /// The cached snapshot and what the listener knows; see ``mayHaveChanged(since:)``.
    private let watch = WatchBox()

    static let logger = Logger(label: "shardql.catalog.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Opens the catalog in the PostgreSQL database `url` names, creating or upgrading its schema.
    public convenience init(url: String) async throws {
        try await self.init(configuration: Configuration(url: url))
    }

    /// Opens the catalog, creating or upgrading its schema in one transaction.
    ///
    /// - Throws: ``ShardQLError`` — code ``ShardQLError/Code/unavailable`` or
    ///   ``ShardQLError/Code/timeout`` when the server cannot be reached in time,
    ///   ``ShardQLError/Code/unauthenticated`` when it refuses the credentials,
    ///   ``ShardQLError/Code/invalidArgument`` when the database is missing or its `shardql`
    ///   schema is not a ShardQL catalog, ``ShardQLError/Code/unsupported`` when the catalog's
    ///   schema is newer than this build.
    public convenience init(configuration: Configuration) async throws {
        try await self.init(configuration: configuration, migrations: PostgresCatalogMigration.all)
    }

    /// Opens the catalog with a given list of migration steps (tests simulate older and newer
    /// builds with it).
    package init(configuration: Configuration, migrations: [PostgresCatalogMigration]) async throws {
        self.configuration = configuration
        // One direct connection first: its failure says why (refused, credentials, no such
        // database), where the pool would only keep retrying until the deadline.
        try await Self.bounded(configuration, "opening the catalog") {
            let connection = try await PostgresConnection.connect(
                configuration: Self.connectionConfiguration(configuration), id: 0, logger: Self.logger)
            do {
                try await Self.migrate(connection, configuration: configuration, migrations: migrations)
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        }
        var options = PostgresClient.Configuration.Options()
        options.connectTimeout = configuration.timeout
        options.maximumConnections = 8
        var clientConfiguration = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: try configuration.clientTLS())
        clientConfiguration.options = options
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: Self.logger)
        self.client = client
        background = Mutex([Task { await client.run() }])
        let watch = self.watch
        background.withLock { $0.append(Task { await Self.listen(client, watch) }) }
    }

    // MARK: CatalogStore

    public func snapshot() async throws -> CatalogSnapshot {
        let (epoch, cached) = watch.withLock { ($0.listeningEpoch, $0.cached) }
        let snapshot = try await withConnection("reading the catalog") { connection in
            let version = try await Self.meta("catalog_version", connection)
            if let cached, cached.version == version { return cached }
            return try await Self.inTransaction(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                try await Self.loadSnapshot($0)
            }
        }
        remember(snapshot, listeningEpoch: epoch)
        return snapshot
    }

    public func apply(_ changes: [CatalogChange], expectedVersion: Int64?) async throws -> CatalogSnapshot {
        let (epoch, cached) = watch.withLock { ($0.listeningEpoch, $0.cached) }
        let snapshot = try await withConnection("changing the catalog") { connection in
            try await Self.inTransaction(connection) { connection in
                try await Self.apply(changes, expectedVersion: expectedVersion, cached: cached, connection)
            }
        }
        remember(snapshot, listeningEpoch: epoch)
        return snapshot
    }

    public func allocateKeys(table: TableID, count: Int) async throws -> ClosedRange<Int64> {
        guard count >= 1 else {
            throw ShardQLError(.invalidArgument, "cannot allocate \(count) keys: the count must be at least 1")
        }
        let count = Int64(count)
        return try await withConnection("allocating keys") { connection in
            // One statement: the table's row is share-locked (a concurrent DROP waits), the
            // counter moves atomically, and nothing is written when it would pass Int64.max.
            let rows = try await connection.query(
                """
                WITH live AS (SELECT id FROM shardql.tables WHERE id = \(table.rawValue) FOR SHARE)
                INSERT INTO shardql.table_keys(table_id, last_key) SELECT id, \(count) FROM live
                ON CONFLICT (table_id) DO UPDATE SET last_key = shardql.table_keys.last_key + excluded.last_key
                WHERE shardql.table_keys.last_key <= \(Int64.max - count)
                RETURNING last_key
                """, logger: Self.logger)
            for try await end in rows.decode(Int64.self) { return (end - count + 1)...end }
            try await Self.checkTableExists(table, connection)
            throw ShardQLError(.invalidArgument, "no keys left for \(table): \(count) more would pass \(Int64.max)")
        }
    }

    public func reserveIDs(count: Int) async throws -> ClosedRange<Int64> {
        guard count >= 1 else {
            throw ShardQLError(.invalidArgument, "cannot reserve \(count) IDs: the count must be at least 1")
        }
        let count = Int64(count)
        return try await withConnection("reserving IDs") { connection in
            try await Self.inTransaction(connection) { connection in
                // Both rows locked: reservers take turns, and come after any catalog change in
                // flight (they all update next_id), so both counters read are the committed ones.
                var next: Int64 = 1
                var reserved: Int64 = 0
                for try await (key, value) in try await connection.query(
                    "SELECT key, value FROM shardql.meta WHERE key IN ('next_id', 'reserved_id') FOR UPDATE",
                    logger: Self.logger
                ).decode((String, Int64).self) {
                    if key == "next_id" { next = value } else { reserved = value }
                }
                let first = max(next, reserved)
                try await connection.query(
                    "UPDATE shardql.meta SET value = \(first + count) WHERE key = 'reserved_id'", logger: Self.logger)
                return first...(first + count - 1)
            }
        }
    }

    public func raiseKeyFloor(table: TableID, atLeast key: Int64) async throws {
        try await withConnection("recording a key") { connection in
            let rows = try await connection.query(
                """
                WITH live AS (SELECT id FROM shardql.tables WHERE id = \(table.rawValue) FOR SHARE)
                INSERT INTO shardql.table_keys(table_id, last_key) SELECT id, greatest(\(key), 0) FROM live
                ON CONFLICT (table_id) DO UPDATE
                SET last_key = greatest(shardql.table_keys.last_key, excluded.last_key)
                RETURNING 1
                """, logger: Self.logger)
            for try await _ in rows.decode(Int32.self) { return }
            try await Self.checkTableExists(table, connection)
        }
    }

    public func recordContact(_ lastAnswers: [NodeID: Int64]) async throws {
        guard !lastAnswers.isEmpty else { return }
        try await withConnection("recording when nodes last answered") { connection in
            for (node, time) in lastAnswers.sorted(by: { $0.key < $1.key }) {
                _ = try await connection.query(
                    """
                    UPDATE shardql.nodes SET last_heartbeat = \(time)
                    WHERE id = \(node.rawValue) AND (last_heartbeat IS NULL OR last_heartbeat < \(time))
                    """, logger: Self.logger)
            }
        }
        watch.withLock { $0.cached = $0.cached?.raisingLastContact(lastAnswers) }
    }

    // MARK: Two-phase commit decision log

    public func logTransaction(_ record: TransactionRecord, forgetting: [String]) async throws {
        let record = try record.checkedForLogging(forgetting: forgetting)
        try await withConnection("logging a transaction") { connection in
            // One statement: the records in `forgetting` are deleted only when the insert happened.
            let rows = try await connection.query(
                """
                WITH logged AS (
                    INSERT INTO shardql.transactions(id, state, participants, owner, started_at)
                    VALUES (\(record.id), \(record.state.rawValue), \(record.participantsText), \(record.owner),
                            \(record.startedAt))
                    ON CONFLICT (id) DO NOTHING RETURNING 1),
                forgotten AS (
                    DELETE FROM shardql.transactions
                    WHERE id = ANY(\(forgetting)) AND EXISTS (SELECT 1 FROM logged))
                SELECT count(*) FROM logged
                """, logger: Self.logger)
            for try await inserted in rows.decode(Int64.self) where inserted == 1 { return }
            throw ShardQLError(.invalidArgument, "transaction \(record.id) is already logged")
        }
    }

    public func decide(
        _ id: String, commit: Bool, applying changes: [CatalogChange], expectedVersion: Int64?
    ) async throws -> (state: TransactionRecord.State, snapshot: CatalogSnapshot) {
        let (epoch, cached) = watch.withLock { ($0.listeningEpoch, $0.cached) }
        let decision = try await withConnection("deciding a transaction") { connection in
            try await Self.inTransaction(connection) { connection in
                // The record's row lock: of two racing calls the second sees the first's decision.
                var stored: TransactionRecord.State?
                for try await text in try await connection.query(
                    "SELECT state FROM shardql.transactions WHERE id = \(id) FOR UPDATE", logger: Self.logger
                ).decode(String.self) {
                    stored = try Self.parse(text, "a transaction state")
                }
                guard stored == .pending else {
                    // Decided before (a retry), or never logged and so presumed aborted.
                    return (
                        state: stored ?? .aborted,
                        snapshot: try await Self.currentSnapshot(cached: cached, connection)
                    )
                }
                let state: TransactionRecord.State = commit ? .committed : .aborted
                let snapshot =
                    if commit, !changes.isEmpty {
                        try await Self.apply(changes, expectedVersion: expectedVersion, cached: cached, connection)
                    } else {
                        try await Self.currentSnapshot(cached: cached, connection)
                    }
                try await connection.query(
                    "UPDATE shardql.transactions SET state = \(state.rawValue) WHERE id = \(id)", logger: Self.logger)
                return (state: state, snapshot: snapshot)
            }
        }
        remember(decision.snapshot, listeningEpoch: epoch)
        return decision
    }

    public func forgetTransactions(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        try await withConnection("forgetting transactions") { connection in
            _ = try await connection.query("DELETE FROM shardql.transactions WHERE id = ANY(\(ids))", logger: Self.logger)
        }
    }

    /// Holds `SHARE` mode on the decision log's table (it conflicts with the row changes of
    /// logging and deciding, not with reads) in a repeatable-read transaction begun before it.
    public func withDecisionsPaused<T: Sendable>(
        _ body: @escaping @Sendable (CatalogSnapshot, [TransactionRecord]) async throws -> T
    ) async throws -> T {
        try await withConnection("pausing transaction decisions") { connection in
            try await Self.inTransaction(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ") { connection in
                // The lock before any query: the transaction's snapshot is taken after it is held.
                try await connection.query("LOCK TABLE shardql.transactions IN SHARE MODE", logger: Self.logger)
                let snapshot = try await Self.loadSnapshot(connection)
                let log = try await Self.loadTransactions(connection)
                return try await body(snapshot, log)
            }
        }
    }

    public func transactions() async throws -> [TransactionRecord] {
        try await withConnection("reading the transaction log") { connection in
            try await Self.loadTransactions(connection)
        }
    }

    public func close() async {
        let tasks = background.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        watch.withLock { $0 = Watch() }
    }

    // MARK: Noticing other coordinators' changes

    public func mayHaveChanged(since version: Int64) -> Bool {
        watch.withLock { $0.mayHaveChanged(since: version) }
    }

    final class WatchBox: Sendable {
        private let state = Mutex(Watch())

        func withLock<R>(_ body: (inout Watch) -> R) -> R { state.withLock { body(&$0) } }
    }

    /// What this store knows about the catalog's version without asking the server.
    struct Watch {
        /// Whether the listener's `LISTEN` is in place.
        var listening = false
        /// Counts the listener's (re)starts; a version read in a round trip confirms the catalog
        /// only if the listener was in place, in the same epoch, before the read began.
        var epoch: UInt64 = 0
        /// The newest version read in a round trip begun while listening in this epoch.
        var confirmed: Int64?
        /// The newest version announced by a notification.
        var announced: Int64 = .min
        /// The newest snapshot this store read or wrote.
        var cached: CatalogSnapshot?

        var listeningEpoch: UInt64? { listening ? epoch : nil }

        func mayHaveChanged(since version: Int64) -> Bool {
            guard listening, let confirmed else { return true }
            return max(confirmed, announced) > version
        }
    }

    /// Keeps the newest snapshot seen (calls interleave, so an older one may arrive late), and
    /// counts its version as confirmed when the listener was in place all along.
    private func remember(_ snapshot: CatalogSnapshot, listeningEpoch epoch: UInt64?) {
        watch.withLock { watch in
            if snapshot.version >= watch.cached?.version ?? .min { watch.cached = snapshot }
            if let epoch, watch.listening, watch.epoch == epoch {
                watch.confirmed = max(watch.confirmed ?? .min, snapshot.version)
            }
        }
    }

    /// Holds a pooled connection in `LISTEN` for the store's life, reconnecting after failures;
    /// while it is down every ``mayHaveChanged(since:)`` says yes, so nothing is missed.
    private static func listen(_ client: PostgresClient, _ watch: WatchBox) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        let epoch = watch.withLock { watch in
                            watch.epoch += 1
                            watch.listening = true
                            watch.confirmed = nil
                            return watch.epoch
                        }
                        // A version read now, with LISTEN in place, is confirmed: from here on
                        // every change arrives as a notification.
                        let version = try await meta("catalog_version", connection)
                        watch.withLock { watch in
                            if watch.epoch == epoch { watch.confirmed = max(watch.confirmed ?? .min, version) }
                        }
                        for try await notification in notifications {
                            guard let version = Int64(notification.payload) else { continue }
                            watch.withLock { $0.announced = max($0.announced, version) }
                        }
                    }
                }
            } catch {
                // Reconnect below.
            }
            watch.withLock { $0.listening = false }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    // MARK: Connections

    /// Runs `body` on a pooled connection within the configured timeout.
    private func withConnection<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let client = self.client
        return try await Self.bounded(configuration, what) {
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    static func connectionConfiguration(_ configuration: Configuration) throws -> PostgresConnection.Configuration {
        var connection = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: try configuration.connectionTLS())
        let (seconds, attoseconds) = configuration.timeout.components
        connection.options.connectTimeout = .milliseconds(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return connection
    }

    /// Runs `body` in a transaction begun with `begin`; rolls back when it throws.
    static func inTransaction<T>(
        _ connection: PostgresConnection, _ begin: String = "BEGIN",
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger)
        do {
            let value = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
