import Catalog
import NIOCore
import PostgresNIO
import ShardQLBase
import Synchronization

extension PostgresCatalogStore {
    /// Serializes the first open of a database by several coordinators (`pg_advisory_xact_lock`):
    /// "ShQLcata" in ASCII.
    static let migrationLock: Int64 = 0x5368_514C_6361_7461

    /// Recognises the `shardql` schema, creates it in a database that has none and upgrades an
    /// older one, all in one transaction under an advisory lock.
    static func migrate(
        _ connection: PostgresConnection, configuration: Configuration, migrations: [PostgresCatalogMigration]
    ) async throws {
        let place = "the schema shardql of \(configuration.endpoint)"
        try await inTransaction(connection) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            var version: Int64 = 0
            if try await exists("SELECT 1 FROM pg_namespace WHERE nspname = 'shardql'", connection) {
                guard try await exists("SELECT 1 WHERE to_regclass('shardql.meta') IS NOT NULL", connection) else {
                    throw ShardQLError(.invalidArgument, "\(place) is not a ShardQL catalog: it has no meta table")
                }
                var stored: Int64?
                for try await value in try await connection.query(
                    "SELECT value FROM shardql.meta WHERE key = 'schema_version'", logger: logger
                ).decode(Int64.self) {
                    stored = value
                }
                guard let stored else {
                    throw ShardQLError(.invalidArgument, "\(place) is not a ShardQL catalog: it records no schema version")
                }
                version = stored
            } else {
                try await connection.query("CREATE SCHEMA shardql", logger: logger)
            }
            for step in try CatalogMigrations.pending(
                migrations, version: \.version, from: version, catalog: "the catalog in \(place)")
            {
                for statement in step.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO shardql.meta(key, value) VALUES ('schema_version', \(step.version))
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """, logger: logger)
            }
        }
    }

    private static func exists(_ sql: String, _ connection: PostgresConnection) async throws -> Bool {
        for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int32.self) {
            return true
        }
        return false
    }

    // MARK: Deadlines and errors

    /// Runs `body` and returns its result, or fails with ``ShardQLError/Code/timeout`` once the
    /// configured timeout passes (cancelling `body`, whose late result is dropped): a server that
    /// stopped answering makes the call fail, not hang. PostgreSQL's errors become
    /// ``ShardQLError``s that say what failed where (``describe(_:_:_:)``).
    static func bounded<T: Sendable>(
        _ configuration: Configuration, _ what: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.start(continuation)
                let task = Task {
                    do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
                }
                race.own(task)
                race.own(Task {
                    guard (try? await Task.sleep(for: configuration.timeout)) != nil else { return }
                    race.finish(
                        .failure(
                            ShardQLError(
                                .timeout,
                                "\(what) took longer than \(configuration.timeout) at the PostgreSQL catalog "
                                    + "\(configuration.endpoint): the server is not answering")))
                })
            }
        } onCancel: {
            race.finish(.failure(ShardQLError(.cancelled, "\(what) was cancelled")))
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw describe(error, configuration, what)
        }
    }

    /// The first of a call's result, its deadline and its caller's cancellation; the others are
    /// dropped, and the call is cancelled when it did not win.
    private final class Race<T: Sendable>: Sendable {
        typealias Continuation = CheckedContinuation<Result<T, any Error>, Never>
        private struct State {
            var continuation: Continuation?
            var tasks: [Task<Void, Never>] = []
            var done = false
        }
        private let state = Mutex(State())

        func start(_ continuation: Continuation) {
            state.withLock { $0.continuation = continuation }
        }

        /// Keeps the call and its timer, to cancel them when the race is decided.
        func own(_ task: Task<Void, Never>) {
            let finished = state.withLock { state in
                state.tasks.append(task)
                return state.done
            }
            if finished { task.cancel() }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, tasks) = state.withLock { state -> (Continuation?, [Task<Void, Never>]) in
                guard !state.done else { return (nil, []) }
                state.done = true
                defer { state.continuation = nil }
                return (state.continuation, state.tasks)
            }
            guard let continuation else { return }
            continuation.resume(returning: result)
            for task in tasks { task.cancel() }
        }
    }

    /// A ``ShardQLError`` for what PostgreSQL or the connection reported; never the password.
    static func describe(_ error: any Error, _ configuration: Configuration, _ what: String) -> ShardQLError {
        if let error = error as? ShardQLError { return error }
        let place = "the PostgreSQL catalog at \(configuration.endpoint)"
        guard let error = error as? PSQLError else {
            if error is PostgresDecodingError {
                return ShardQLError(.internalError, "\(place) is damaged: a value has the wrong type (\(what))")
            }
            return ShardQLError(.io, "\(what) at \(place) failed: \(error)")
        }
        let server = error.serverInfo
        let message = server?[.message] ?? ""
        let state = server?[.sqlState] ?? ""
        switch error.code {
        case .server:
            switch state {
            case "28P01", "28000":
                return ShardQLError(
                    .unauthenticated,
                    "\(place) refused user '\(configuration.username)': \(message) (SQLSTATE \(state)); "
                        + "check the user and password in the catalog URL (or PGPASSWORD)")
            case "3D000":
                return ShardQLError(
                    .invalidArgument,
                    "\(place) cannot be opened: \(message); create the database first (createdb \(configuration.database))")
            case "42501":
                return ShardQLError(
                    .invalidArgument,
                    "\(what) at \(place) failed: \(message) (SQLSTATE \(state)); the user needs the right to create "
                        + "the schema shardql, or an administrator creates it once")
            case "57P01", "57P02", "57P03", "53300":
                return ShardQLError(.unavailable, "\(place) is not available: \(message) (SQLSTATE \(state))")
            case "40001", "40P01", "55P03":
                return ShardQLError(.busy, "\(what) at \(place) conflicted with another coordinator: \(message); retry")
            default:
                return ShardQLError(.io, "\(what) at \(place) failed: \(message) (SQLSTATE \(state))")
            }
        case .connectionError:
            let cause = error.underlying.map { "\($0)" } ?? "no reason given"
            if let channel = error.underlying as? ChannelError, case .connectTimeout = channel {
                return ShardQLError(.timeout, "cannot reach \(place): connecting timed out after \(configuration.timeout)")
            }
            return ShardQLError(.unavailable, "cannot reach \(place): \(cause)")
        case .serverClosedConnection, .uncleanShutdown:
            return ShardQLError(.unavailable, "\(place) closed the connection during \(what)")
        case .authMechanismRequiresPassword:
            return ShardQLError(
                .unauthenticated,
                "\(place) asks user '\(configuration.username)' for a password: put it in the catalog URL or PGPASSWORD")
        case .sslUnsupported:
            return ShardQLError(
                .unavailable, "\(place) does not offer TLS, which sslmode=\(configuration.tls.rawValue) requires")
        case .poolClosed, .clientClosedConnection:
            return ShardQLError(.unavailable, "the connection to \(place) is closed")
        default:
            return ShardQLError(.io, "\(what) at \(place) failed: \(error.code)\(message.isEmpty ? "" : ": " + message)")
        }
    }
}
