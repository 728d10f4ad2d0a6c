import ShardQLBase

/// The rows of a ``ShardRead``, in batches pulled one at a time from the running statement.
///
/// ```swift
/// let stream = try await executor.read(ShardRead("SELECT a FROM t ORDER BY a"), on: shard, batchRows: 256)
/// for try await batch in stream {
///     for row in batch where row[0] == .integer(42) { return row }  // stops the statement
/// }
/// ```
///
/// A stream is single-pass: iterate it once (a second iterator throws). Errors the statement
/// hits while running, cancellation included, are thrown by the iterator's `next()`. Leaving
/// the loop early, or dropping a stream never iterated, stops the statement and frees its
/// connection.
public struct ShardRowStream: AsyncSequence, Sendable {
    public typealias Element = [[SQLValue]]
    public typealias Failure = any Error

    /// The result column names, known before the first batch.
    public let columns: [String]

    private let cursor: ShardReadCursor

    init(columns: [String], cursor: ShardReadCursor) {
        self.columns = columns
        self.cursor = cursor
    }

    /// The iterator; a second one throws from its first `next()`.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(IteratorLifetime(cursor, isFirst: !cursor.markIterated()))
    }

    /// Reads the remaining batches into one ``RowSet``.
    public func collect() async throws -> RowSet {
        var rows: [[SQLValue]] = []
        for try await batch in self { rows.append(contentsOf: batch) }
        return RowSet(columns: columns, rows: rows)
    }

    /// Sendable, so wrappers can be; copies share one position, and a call overlapping another
    /// (from a copy in another task) throws instead of racing.
    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        private let lifetime: IteratorLifetime

        fileprivate init(_ lifetime: IteratorLifetime) {
            self.lifetime = lifetime
        }

        /// The next batch of at most `batchRows` rows; `nil` at the end.
        public mutating func next() async throws -> [[SQLValue]]? {
            try await lifetime.next()
        }

        /// Same as ``next()``.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> [[SQLValue]]? {
            try await lifetime.next()
        }
    }
}

/// Ends the statement when the last copy of the first iterator goes away: the iterator is a
/// struct (the protocol requires it to be copyable), so this object's deinit is its end.
private final class IteratorLifetime: Sendable {
    let cursor: ShardReadCursor
    let isFirst: Bool

    init(_ cursor: ShardReadCursor, isFirst: Bool) {
        self.cursor = cursor
        self.isFirst = isFirst
    }

    func next() async throws -> [[SQLValue]]? {
        guard isFirst else {
            throw ShardQLError(.invalidArgument, "a ShardRowStream can be iterated only once")
        }
        return try await cursor.next()
    }

    deinit {
        if isFirst { cursor.close() }
    }
}
