#if os(Linux)
@preconcurrency import Dispatch
#else
import Dispatch
#endif
import ShardQLBase

/// An actor owning one ``SQLiteConnection``, running every call on its own serial dispatch queue.
///
/// SQLite calls block (disk I/O, waiting for locks), and blocking Swift's cooperative pool, which
/// has one thread per core, stalls every other task in the process. The actor's executor is a
/// dedicated `DispatchQueue`, so closures passed to ``withConnection(_:)`` run there instead.
///
/// ```swift
/// let database = try await SQLiteDatabase(path: "/data/shard-7.sqlite")
/// let count = try await database.withConnection { connection in
///     try connection.prepare("SELECT count(*) FROM orders").rows()[0][0]
/// }
/// ```
///
/// Cancelling the calling task interrupts the running statement (see
/// ``SQLiteConfiguration/cancelsOnTaskCancellation``); ``interrupt()`` does so from anywhere.
public actor SQLiteDatabase {
    /// Marks the queues of `SQLiteDatabase` instances, so code (and tests) can check where it runs.
    package static let queueKey = DispatchSpecificKey<ObjectIdentifier>()

    private let executor: SQLiteQueueExecutor
    private let connection: SQLiteConnection
    private let interruptHandle: SQLiteInterruptHandle

    /// The path the database was opened with.
    public nonisolated let path: String

    /// Runs the actor on its dispatch queue.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// Opens the database at `path` on a new serial queue; see
    /// ``SQLiteConnection/init(path:configuration:)``.
    public init(path: String, configuration: SQLiteConfiguration = SQLiteConfiguration()) async throws {
        let queue = DispatchQueue(label: "shardql.sqlite:\(path)")
        // Opening reads the file and may switch it to WAL: do it on the queue too.
        let connection = try await Self.open(path: path, configuration: configuration, on: queue)
        self.executor = SQLiteQueueExecutor(queue: queue)
        self.connection = connection
        self.interruptHandle = connection.interruptHandle
        self.path = path
        queue.setSpecific(key: Self.queueKey, value: ObjectIdentifier(executor))
    }

    private static func open(
        path: String,
        configuration: SQLiteConfiguration,
        on queue: DispatchQueue
    ) async throws -> SQLiteConnection {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try SQLiteConnection(path: path, configuration: configuration))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Whether the caller runs on this database's queue.
    package nonisolated var isOnQueue: Bool {
        DispatchQueue.getSpecific(key: Self.queueKey) == ObjectIdentifier(executor)
    }

    /// Runs `body` with the connection, on the database's queue, one call at a time.
    ///
    /// Finish or ``SQLiteStatement/reset()`` every statement you step before returning: a
    /// statement left mid-way keeps its read transaction (and a pending ``interrupt()``) alive.
    ///
    /// - Throws: what `body` throws, or ``ShardQLError/Code/cancelled`` without running `body`
    ///   when the task is already cancelled.
    public func withConnection<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        if Task.isCancelled {
            throw ShardQLError(.cancelled, "the task was cancelled before the SQLite call started")
        }
        return try body(connection)
    }

    /// Runs `body` in a transaction (``SQLiteConnection/transaction(_:_:)``) on the database's
    /// queue.
    public func write<T: Sendable>(
        _ kind: SQLiteConnection.TransactionKind = .immediate,
        _ body: (SQLiteConnection) throws -> T
    ) throws -> T {
        try withConnection { connection in
            try connection.transaction(kind) { try body(connection) }
        }
    }

    /// Makes the statement running on this database fail with ``ShardQLError/Code/cancelled``.
    ///
    /// Safe to call from any thread or task at any time, including after ``close()``; it does
    /// nothing when no statement runs.
    public nonisolated func interrupt() {
        interruptHandle.interrupt()
    }

    /// Closes the connection on the database's queue; later calls fail.
    public func close() {
        connection.close()
    }
}
