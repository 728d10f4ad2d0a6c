import Catalog
import SQLSyntax
import ShardQLBase
import Synchronization
import Worker

/// What one statement produced.
public struct StatementResult: Sendable, Hashable {
    /// Column names (empty for statements that return no rows).
    public var columns: [String]
    public var rows: [[SQLValue]]
    /// Rows inserted, updated or deleted (SQLite's `changes()`).
    public var changes: Int
    /// A partial result's missing shards (``QueryResult/unavailableShards``); empty otherwise.
    public var unavailableShards: [String]

    public init(columns: [String] = [], rows: [[SQLValue]] = [], changes: Int = 0, unavailableShards: [String] = []) {
        self.columns = columns
        self.rows = rows
        self.changes = changes
        self.unavailableShards = unavailableShards
    }
}

/// An embedded ShardQL cluster: a catalog and shard files in one data directory, with the
/// in-process worker (DESIGN §5) holding the shards.
///
/// ```swift
/// let cluster = try await Cluster.open(directory: "./shardql-data")
/// _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
/// let result = try await cluster.execute("SELECT count(*) FROM t")
/// await cluster.close()
/// ```
///
/// Queries go through the distributed planner (DESIGN §1): a query pinned to one shard runs
/// there whole (router tier); a pushable one runs as fragments on the shards merged on the
/// coordinator (pushdown tier); anything else is answered on the general path, where the rows
/// it reads are copied into a coordinator-local SQLite database, so every answer is SQLite's.
/// `EXPLAIN query` shows which.
public final class Cluster: Sendable {
    /// Shard counts a table may have.
    public static let shardCountRange = 1...4096

    /// How often a catalog change refused because another coordinator changed the catalog first
    /// (a version conflict: nothing was applied) is planned again on the new catalog before the
    /// refusal reaches the caller. Each refusal means another coordinator's change went in.
    static let catalogConflictAttempts = 8

    /// How a `CREATE TABLE` without a distribution clause is distributed.
    public enum DefaultDistribution: String, Sendable, CaseIterable {
        /// DESIGN §3: by the PRIMARY KEY's first column, else the first UNIQUE column, else
        /// round-robin.
        case keys = "default"
        /// By the first column, unless a uniqueness constraint needs another (then as `keys`).
        case firstColumn = "hash-first"
        /// Round-robin, unless a uniqueness constraint needs a key (then as `keys`).
        case roundRobin = "round-robin"
    }

    let directory: String
    let store: any CatalogStore
    /// Routes each shard file's calls to the node holding it (``PlacementExecutor``).
    let executor: PlacementExecutor
    let defaultShardCount: Int
    let defaultDistribution: DefaultDistribution
    /// How many shards are read at once.
    let parallelism: Int
    let localNode: NodeID
    /// What every session of this cluster shares: the catalog cache, the commit log's leftovers.
    let shared: SharedState
    /// Whether this session opened the cluster: closing it closes the files (other sessions'
    /// `close` ends only the session).
    let ownsFiles: Bool
    /// `CREATE TEMP VIEW`s: this connection's own, never in the catalog (keyed by folded name).
    let temporaryViews = Mutex<[String: View]>([:])
    /// Serializes the session's statements that write (see ``execute(_:)-(Statement)``); sessions
    /// write concurrently, serialized per shard by the shards' write locks.
    let writes = AsyncLock()
    /// The session's `BEGIN … COMMIT`, while one is open.
    let explicitTransaction = Mutex<ShardTransaction?>(nil)
    /// It began with `SAVEPOINT` (so releasing that savepoint commits it).
    let explicitStartedBySavepoint = Mutex(false)
    /// This coordinator, as the decision log names it (one for all sessions).
    let identity: CoordinatorIdentity
    /// Rows the last query copied from the shards (for tests now, `EXPLAIN ANALYZE` later).
    let lastRowsCopied = Mutex(0)
    /// Shards of its target the last UPDATE or DELETE read (pruning; for tests now).
    let lastShardsRead = Mutex(0)
    /// What `changes()`, `total_changes()` and `last_insert_rowid()` report: the cluster's
    /// statements, not any one shard connection's.
    let counters = Mutex(SessionCounters())
    /// `PRAGMA shardql.*` settings.
    let settings: Mutex<SessionSettings>
    /// Copies of each shard group of a table created without `REPLICAS` (each session starts
    /// with it; `PRAGMA shardql.default_replicas` changes a session's).
    let defaultReplicas: Int
    /// Query plans by (text, catalog version).
    let planCache: PlanCache
    /// Coordinator databases for the final steps of split aggregates.
    let finalStepDatabases: FinalStepDatabases

    /// The parts of a cluster its sessions share that change.
    final class SharedState: Sendable {
        /// The committed catalog as this cluster last saw it.
        let cachedSnapshot: Mutex<CatalogSnapshot>
        /// Committed transactions whose log records wait to be deleted with the next log write.
        let finishedTransactions = Mutex<[String]>([])

        init(snapshot: CatalogSnapshot) { cachedSnapshot = Mutex(snapshot) }
    }

    private init(
        directory: String, store: any CatalogStore, executor: PlacementExecutor, defaultShardCount: Int,
        defaultReplicas: Int, defaultDistribution: DefaultDistribution, localNode: NodeID, shared: SharedState,
        ownsFiles: Bool, identity: CoordinatorIdentity, planCache: PlanCache, finalStepDatabases: FinalStepDatabases
    ) {
        self.defaultReplicas = defaultReplicas
        self.settings = Mutex(SessionSettings(defaultReplicas: defaultReplicas))
        self.defaultDistribution = defaultDistribution
        self.directory = directory
        self.store = store
        self.executor = executor
        self.defaultShardCount = defaultShardCount
        self.parallelism = max(1, System.coreCount)
        self.localNode = localNode
        self.shared = shared
        self.ownsFiles = ownsFiles
        self.identity = identity
        self.planCache = planCache
        self.finalStepDatabases = finalStepDatabases
    }

    /// A new session on this cluster: the same catalog, shards and caches, with its own
    /// `BEGIN … COMMIT`, savepoints, `TEMP` views, `changes()` counters and `PRAGMA shardql.*`
    /// settings — what a separate connection to one SQLite database has of its own. Sessions run
    /// statements concurrently; two sessions writing the same shard take turns on its write lock.
    /// Closing a session rolls back its open transaction; closing the session that opened the
    /// cluster closes the cluster.
    public func makeSession() -> Cluster {
        Cluster(
            directory: directory, store: store, executor: executor, defaultShardCount: defaultShardCount,
            defaultReplicas: defaultReplicas, defaultDistribution: defaultDistribution, localNode: localNode,
            shared: shared, ownsFiles: false, identity: identity, planCache: planCache,
            finalStepDatabases: finalStepDatabases)
    }

    /// Opens (creating it if needed) the cluster in `directory`: `catalog.sqlite` and `shards/`.
    /// `catalog` is a store opened elsewhere (PostgreSQL, or a catalog file at another path), which
    /// the cluster then owns and closes; `directory` still holds the in-process shards.
    /// `defaultShardCount` is the shard count of tables created without `SHARDS n`,
    /// `defaultReplicas` their copies without `REPLICAS r` (more than one needs as many worker
    /// nodes); `defaultDistribution` distributes tables created without a distribution clause.
    /// Unless `recovering` is false, transactions a crashed coordinator left in doubt are finished
    /// first (``recover(scanningShards:)``).
    ///
    /// Shard files placed on a remote node (``addNode(address:)``) are reached through an
    /// executor `connect` makes from the node's `HOST:PORT`, once per node, closed with the
    /// cluster; without `connect` only the in-process worker is reachable, which is all an
    /// embedded cluster (no node registered) needs.
    ///
    /// ```swift
    /// let cluster = try await Cluster.open(directory: "./data", connectingWith: { address in
    ///     try await RemoteWorker(address: address)
    /// })
    /// ```
    public static func open(
        directory: String, catalog: (any CatalogStore)? = nil, defaultShardCount: Int = 4, defaultReplicas: Int = 1,
        defaultDistribution: DefaultDistribution = .keys, recovering: Bool = true,
        connectingWith connect: (@Sendable (String) async throws -> any ShardExecutor)? = nil
    ) async throws -> Cluster {
        guard shardCountRange.contains(defaultShardCount) else {
            await catalog?.close()
            throw ShardQLError(
                .invalidArgument,
                "shard count \(defaultShardCount) is out of range: a table has \(shardCountRange.lowerBound) to \(shardCountRange.upperBound) shards")
        }
        guard (1...maximumReplicas).contains(defaultReplicas) else {
            await catalog?.close()
            throw ShardQLError(
                .invalidArgument, "replica count \(defaultReplicas) is out of range: a table has 1 to \(maximumReplicas) copies")
        }
        let store: any CatalogStore
        let worker: LocalWorker
        do {
            // The worker makes the data directory, where the embedded catalog goes by default.
            worker = try LocalWorker(directory: directory + "/shards")
            if let catalog {
                store = catalog
            } else {
                store = try await SQLiteCatalogStore(path: directory + "/" + SQLiteCatalogStore.defaultFileName)
            }
        } catch {
            await catalog?.close()
            throw error
        }
        let snapshot: CatalogSnapshot
        let local: NodeID
        do {
            (snapshot, local) = try await registerLocalNode(store)
        } catch {
            await store.close()
            throw error
        }
        let router = PlacementExecutor(local: worker, connect: connect, refresh: { try await store.snapshot() })
        router.learn(snapshot)
        // Remote nodes are watched from the start: reads avoid one that stopped answering, and
        // when one goes down the catalog learns when it last answered (for every coordinator's
        // `node list`). A failed record is only a missing figure.
        if connect != nil {
            router.startHealthChecks { wentDown in await recordLastContact(of: wentDown, in: store) }
        }
        let cluster = Cluster(
            directory: directory, store: store, executor: router, defaultShardCount: defaultShardCount,
            defaultReplicas: defaultReplicas, defaultDistribution: defaultDistribution, localNode: local, shared: SharedState(snapshot: snapshot),
            ownsFiles: true, identity: CoordinatorIdentity.make(), planCache: PlanCache(),
            finalStepDatabases: FinalStepDatabases(capacity: max(2, System.coreCount)))
        do {
            // Whatever a crashed coordinator left in doubt is finished before anything else runs.
            if recovering { try await cluster.recover() }
        } catch {
            await cluster.close()
            throw error
        }
        return cluster
    }

    /// The catalog with the in-process worker's node ("local") in it, added when missing; a
    /// coordinator opening the same new catalog at the same moment may add it first.
    private static func registerLocalNode(_ store: any CatalogStore) async throws -> (CatalogSnapshot, NodeID) {
        var snapshot = try await store.snapshot()
        for attempt in 1...catalogConflictAttempts {
            if let node = snapshot.node(address: Node.localAddress) { return (snapshot, node.id) }
            do {
                snapshot = try await store.apply(
                    [.addNode(Node(id: NodeID(snapshot.nextID), address: Node.localAddress))],
                    expectedVersion: snapshot.version)
            } catch let error as ShardQLError where error.isCatalogVersionConflict && attempt < catalogConflictAttempts {
                snapshot = try await store.snapshot()
            }
        }
        guard let node = snapshot.node(address: Node.localAddress) else {
            throw ShardQLError(.busy, "could not register the in-process worker in the catalog: it kept changing")
        }
        return (snapshot, node.id)
    }

    /// Rolls back an open `BEGIN … COMMIT` (as closing a SQLite connection does); for the
    /// session that opened the cluster, then closes every file (see ``makeSession()``).
    public func close() async {
        if let open = explicitTransaction.withLock({ $0 }) {
            explicitTransaction.withLock { $0 = nil }
            await open.rollback()
        }
        guard ownsFiles else { return }
        await forgetFinishedTransactions()
        identity.retire()
        await finalStepDatabases.close()
        await executor.close()
        await store.close()
    }

    /// The catalog as the caller's statement sees it: inside a transaction, with its own changes.
    var snapshot: CatalogSnapshot { transaction?.snapshot ?? shared.cachedSnapshot.withLock { $0 } }

    /// Records catalog changes planned on `snapshot` in the statement's transaction: they commit
    /// with it (``ShardTransaction``). Returns the catalog as the transaction now sees it.
    @discardableResult
    func apply(_ changes: [CatalogChange], plannedOn snapshot: CatalogSnapshot) async throws -> CatalogSnapshot {
        try requireTransaction().record(changes, plannedOn: snapshot)
    }

    // MARK: - Statements

    /// Parses and runs a script; returns one result per statement.
    public func execute(_ sql: String) async throws -> [StatementResult] {
        var results: [StatementResult] = []
        for statement in try SQLParser.parse(sql) {
            results.append(try await execute(statement))
        }
        return results
    }

    /// Runs one parsed statement and returns its rows as they arrive: a query's rows stream
    /// from the shards (see ``QueryResult``); any other statement runs to completion first.
    public func rows(of statement: Statement) async throws -> QueryResult {
        if case .select = statement.kind {
            try await refreshCatalogIfChanged()
            return try await retryingOnNewerCatalog { try await stream(statement).result }
        }
        let result = try await execute(statement)
        return QueryResult(columns: result.columns, source: RowSource(.rows(result.rows), deadline: nil))
    }

    /// Runs one parsed statement. Queries run concurrently; statements that change the cluster
    /// run one at a time, each in a transaction (``ShardTransaction``): its own, or the session's
    /// `BEGIN … COMMIT`.
    public func execute(_ statement: Statement) async throws -> StatementResult {
        try await refreshCatalogIfChanged()
        return try await retryingOnNewerCatalog { try await executeOnce(statement) }
    }

    private func executeOnce(_ statement: Statement) async throws -> StatementResult {
        switch statement.kind {
        case .select: return try await query(statement)
        case .explain(let mode, let inner) where mode != .queryPlan: return try await explain(inner, analyze: mode == .analyze)
        case .pragma(let pragma): return try self.pragma(pragma)
        case .begin, .commit, .rollback, .savepoint, .release:
            try await writes.withLock { try await transactionControl(statement) }
            return StatementResult()
        default:
            return try await writes.withLock {
                // Another coordinator may change the catalog after this one planned the
                // statement; then nothing was applied, and an auto-commit statement is planned
                // again on the new catalog.
                let autocommit = transaction == nil
                var attempts = 1
                while true {
                    do {
                        return try await runInTransaction(statement) { try await self.change(statement) }
                    } catch let error as ShardQLError
                        where autocommit && attempts < Self.catalogConflictAttempts
                            && error.stemsFromCatalogVersionConflict
                    {
                        adopt(try await store.snapshot())
                        attempts += 1
                    }
                }
            }
        }
    }

    private func change(_ statement: Statement) async throws -> StatementResult {
        switch statement.kind {
        case .insert, .update, .delete:
            do {
                var lastRowID: Int64?
                let result: StatementResult
                if case .insert(let insert) = statement.kind {
                    (result, lastRowID) = try await run(insert)
                } else {
                    result = try await runUpdateOrDelete(statement)
                }
                counters.withLock { $0.record(changes: result.changes, lastInsertRowID: lastRowID) }
                return result
            } catch {
                // As in SQLite, a failed statement leaves changes() at 0.
                counters.withLock { $0.record(changes: 0, lastInsertRowID: nil) }
                throw error
            }
        case .createTable(let create):
            try await createTable(create)
        case .drop(let drop):
            try await self.drop(drop)
        case .createIndex(let create):
            try await createIndex(create)
        case .createView(let create):
            try await createView(create)
        case .createTrigger(let create):
            try await createTrigger(create)
        case .alterTable(let alter):
            try await alterTable(alter)
        case .reindex(let target):
            try await runMaintenance("REINDEX", target: target)
        case .analyze(let target):
            try await runMaintenance("ANALYZE", target: target)
        default:
            throw ShardQLError(
                .unsupported, "\(Self.describe(statement)) is not supported by the embedded engine yet")
        }
        return StatementResult()
    }

    static func describe(_ statement: Statement) -> String {
        let text = SQLPrinter.print(statement)
        let words = text.split(separator: " ").prefix(2).joined(separator: " ")
        return "'\(words) …'"
    }
}

/// The per-connection figures SQLite's `changes()`, `total_changes()` and `last_insert_rowid()`
/// return, kept for the cluster as a whole.
struct SessionCounters: Sendable {
    var changes = 0
    var totalChanges = 0
    var lastInsertRowID: Int64 = 0

    mutating func record(changes: Int, lastInsertRowID: Int64?) {
        self.changes = changes
        totalChanges += changes
        if let lastInsertRowID { self.lastInsertRowID = lastInsertRowID }
    }
}

enum System {
    static var coreCount: Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
