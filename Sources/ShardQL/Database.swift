@_exported import ShardQLBase
import Catalog
import Coordinator
import PostgresCatalog
import SQLSyntax
import Synchronization
import Worker
import WorkerClient

/// A ShardQL cluster opened by an application: embedded in a data directory (catalog and
/// in-process shards), or with its catalog elsewhere (``open(catalog:directory:options:)``).
///
/// ```swift
/// let database = try await Database.open(directory: "./shardql-data")
/// try await database.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
/// try await database.execute("INSERT INTO people VALUES (?, ?)", parameters: [1, "Ada"])
/// for try await row in try await database.query("SELECT * FROM people") { print(row) }
/// await database.close()
/// ```
///
/// One `Database` is shared by any number of tasks: queries run concurrently, and statements
/// that write take turns. Each statement commits on its own (atomically across shards); to
/// group statements use ``withTransaction(_:)``, which runs them in a session of their own, so
/// other tasks never see or join the transaction.
public final class Database: SQLExecutor, Sendable {
    /// How tables are laid out when a statement does not say, and how worker nodes are reached.
    public struct Options: Sendable {
        /// Shards of a table created without `SHARDS n` (1…4096).
        public var shardCount: Int
        /// Copies of each shard of a table created without `REPLICAS r` (1…16; more than one
        /// needs as many worker nodes). `PRAGMA shardql.default_replicas` changes it for a session.
        public var replicas: Int
        /// Finish transactions a crashed coordinator left in doubt when opening (DESIGN §6).
        public var recovers: Bool
        /// The cluster token worker nodes require (`shardql worker --token-file`), if any.
        public var clusterToken: String?
        /// A PEM file of the authorities that signed the worker nodes' TLS certificates: when
        /// set, nodes are reached over TLS (`shardql worker --tls-cert`).
        public var tlsCAFile: String?

        /// Options with 4 shards per table, one copy of each, recovery on open, and plaintext
        /// calls to worker nodes without a token, unless you say otherwise.
        public init(
            shardCount: Int = 4, replicas: Int = 1, recovers: Bool = true, clusterToken: String? = nil,
            tlsCAFile: String? = nil
        ) {
            self.shardCount = shardCount
            self.replicas = replicas
            self.recovers = recovers
            self.clusterToken = clusterToken
            self.tlsCAFile = tlsCAFile
        }

        /// Connects to a worker node with these options.
        var connector: @Sendable (String) throws -> any ShardExecutor {
            let options = RemoteWorker.Options(token: clusterToken, tlsCAFile: tlsCAFile)
            return { address in try RemoteWorker(address: address, options: options) }
        }
    }

    let session: Session

    private init(cluster: Cluster) {
        session = Session(cluster: cluster, kind: .shared)
    }

    /// Opens the embedded cluster in `directory` (created if missing): its catalog file and
    /// shard files.
    public static func open(directory: String = "./shardql-data", options: Options = Options()) async throws(ShardQLError)
        -> Database
    {
        try await publicErrors {
            Database(
                cluster: try await Cluster.open(
                    directory: directory, defaultShardCount: options.shardCount, defaultReplicas: options.replicas,
                    recovering: options.recovers,
                    connectingWith: options.connector))
        }
    }

    /// Opens a cluster whose catalog is at `catalog`: the path or `sqlite:` URL of an embedded
    /// catalog file, or a `postgres://user:password@host:port/database` URL (parameters
    /// `sslmode`, `sslrootcert`, `connect_timeout`); `directory` holds the in-process shards.
    ///
    /// Several coordinators — processes, or `Database`s in one — may share a PostgreSQL catalog:
    /// each notices the others' tables and nodes before its next statement, without asking
    /// PostgreSQL for every query. Coordinators that keep shards in process share `directory`.
    ///
    /// ```swift
    /// let database = try await Database.open(catalog: "postgres://shardql@db.example/meta")
    /// ```
    ///
    /// - Throws: `ShardQLError` — code `unavailable` or `timeout` when the PostgreSQL server
    ///   cannot be reached in time, `unauthenticated` when it refuses the credentials,
    ///   `invalidArgument` for a malformed URL or a database that is not there, `unsupported` for
    ///   a catalog written by a newer ShardQL.
    public static func open(catalog: String, directory: String = "./shardql-data", options: Options = Options())
        async throws(ShardQLError) -> Database
    {
        try await publicErrors {
            Database(
                cluster: try await Cluster.open(
                    directory: directory, catalog: try await CatalogLocation(url: catalog).open(),
                    defaultShardCount: options.shardCount, defaultReplicas: options.replicas, recovering: options.recovers,
                    connectingWith: options.connector))
        }
    }

    /// Closes the cluster's files. Statements still running fail; the database is unusable after.
    public func close() async {
        session.end()
        await session.cluster.close()
    }

    /// Runs `sql`, each statement committing on its own (atomically across shards); returns the rows
    /// the last statement inserted, updated or deleted. Without parameters `sql` may hold several
    /// statements, run in order. `BEGIN`, `COMMIT` and savepoints are refused: use ``withTransaction(_:)``.
    ///
    /// ```swift
    /// try await database.execute("INSERT INTO people VALUES (?, ?)", parameters: [1, "Ada"])
    /// ```
    @discardableResult
    public func execute(_ sql: String, parameters: StatementParameters = .none) async throws(ShardQLError) -> Int {
        try await session.execute(sql, parameters: parameters)
    }

    /// Runs one query and returns its rows as they arrive from the shards (``RowSequence``).
    public func query(_ sql: String, parameters: StatementParameters = .none) async throws(ShardQLError) -> RowSequence {
        try await session.query(sql, parameters: parameters)
    }

    /// The distributed plan of one query, as `EXPLAIN` shows it; with `analyze`, the query runs and
    /// the plan carries each shard's rows and time.
    public func explain(_ sql: String, parameters: StatementParameters = .none, analyze: Bool = false)
        async throws(ShardQLError) -> QueryPlan
    {
        try await session.explain(sql, parameters: parameters, analyze: analyze)
    }

    /// Runs `body` in a transaction of its own session: its statements see each other's changes,
    /// other tasks see none of them until it commits. It commits when `body` returns and rolls
    /// back when `body` throws (or its task is cancelled); the error is rethrown. Inside,
    /// `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` work; `BEGIN`, `COMMIT` and `ROLLBACK` are
    /// refused, since the transaction's end is `body`'s.
    public func withTransaction<Result>(_ body: (Transaction) async throws -> Result) async throws -> Result {
        let cluster = session.cluster.makeSession()
        let transaction = Transaction(session: Session(cluster: cluster, kind: .transaction))
        do {
            try await publicErrors { _ = try await cluster.execute(Statement(.begin(nil))) }
            let result = try await body(transaction)
            transaction.session.end()
            try await publicErrors { _ = try await cluster.execute(Statement(.commit)) }
            await cluster.close()
            return result
        } catch {
            transaction.session.end()
            // Closing the session rolls back whatever is still open.
            await cluster.close()
            throw error
        }
    }
}

/// Statements run inside ``Database/withTransaction(_:)``.
public final class Transaction: SQLExecutor, Sendable {
    let session: Session

    init(session: Session) {
        self.session = session
    }

    /// Runs `sql` inside the transaction; returns the rows the last statement changed. `SAVEPOINT`,
    /// `RELEASE` and `ROLLBACK TO` work here; `BEGIN`, `COMMIT` and `ROLLBACK` are refused.
    @discardableResult
    public func execute(_ sql: String, parameters: StatementParameters = .none) async throws(ShardQLError) -> Int {
        try await session.execute(sql, parameters: parameters)
    }

    /// Runs one query inside the transaction: it sees the transaction's own uncommitted writes.
    public func query(_ sql: String, parameters: StatementParameters = .none) async throws(ShardQLError) -> RowSequence {
        try await session.query(sql, parameters: parameters)
    }

    /// The distributed plan of one query inside the transaction; with `analyze`, the query runs.
    public func explain(_ sql: String, parameters: StatementParameters = .none, analyze: Bool = false)
        async throws(ShardQLError) -> QueryPlan
    {
        try await session.explain(sql, parameters: parameters, analyze: analyze)
    }
}

/// A query's distributed plan (see ``SQLExecutor/explain(_:parameters:analyze:)``).
public typealias QueryPlan = Coordinator.QueryPlan

/// Runs `body`, turning a task's cancellation into ``ShardQLError`` `.cancelled` and any other
/// foreign error into `.internalError`, so callers see one error type.
func publicErrors<T>(_ body: () async throws -> T) async throws(ShardQLError) -> T {
    do {
        return try await body()
    } catch let error as ShardQLError {
        throw error
    } catch is CancellationError {
        throw ShardQLError(.cancelled, "the task was cancelled")
    } catch {
        throw ShardQLError(.internalError, "\(error)", cause: error)
    }
}
