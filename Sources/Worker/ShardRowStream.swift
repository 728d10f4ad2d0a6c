import ShardQLBase
import Synchronization

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
    /// The nodes whose copy of the shard answered, set by whoever chose the copy (the
    /// coordinator's placement router); more than one after a read moved to another copy.
    public var servedBy: ServingNodes?

    private let cursor: any ShardBatchSource

    init(columns: [String], cursor: ShardReadCursor) {
        self.columns = columns
        self.cursor = cursor
    }

    /// A stream whose batches come from elsewhere — another process, for a remote worker.
    ///
    /// `nextBatch` is called once per iteration step, never concurrently; it returns a batch (never
    /// empty), `nil` at the end, or throws. After it returned `nil` or threw, it is not called
    /// again (the iterator returns `nil`). `onTermination` runs once, when the stream ends early
    /// (the loop left, the iterator or a never-iterated stream dropped) or after it finished:
    /// it should stop whatever produces the batches.
    ///
    /// ```swift
    /// let stream = ShardRowStream(columns: ["a"], nextBatch: { try await pipe.receive() }, onTermination: { task.cancel() })
    /// ```
    public init(
        columns: [String], nextBatch: @escaping @Sendable () async throws -> [[SQLValue]]?,
        onTermination: @escaping @Sendable () -> Void
    ) {
        self.columns = columns
        self.cursor = ClosureBatchSource(nextBatch: nextBatch, onTermination: onTermination)
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
    let cursor: any ShardBatchSource
    let isFirst: Bool

    init(_ cursor: any ShardBatchSource, isFirst: Bool) {
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

/// Where a ``ShardRowStream``'s batches come from: a statement running here (``ShardReadCursor``)
/// or closures (``ClosureBatchSource``).
protocol ShardBatchSource: AnyObject, Sendable {
    /// Whether an iterator was made before; marks that one is now.
    func markIterated() -> Bool
    /// The next batch, or `nil` at the end.
    func next() async throws -> [[SQLValue]]?
    /// Stops producing batches; does nothing once finished.
    func close()
}

extension ShardReadCursor: ShardBatchSource {}

/// The batches of ``ShardRowStream/init(columns:nextBatch:onTermination:)``.
private final class ClosureBatchSource: ShardBatchSource {
    private enum State {
        case ready
        case running
        case finished
    }

    private let nextBatch: @Sendable () async throws -> [[SQLValue]]?
    private let onTermination: @Sendable () -> Void
    private let state = Mutex(State.ready)
    private let iterated = Atomic(false)
    private let terminated = Atomic(false)

    init(nextBatch: @escaping @Sendable () async throws -> [[SQLValue]]?, onTermination: @escaping @Sendable () -> Void) {
        self.nextBatch = nextBatch
        self.onTermination = onTermination
    }

    deinit {
        close()
    }

    func markIterated() -> Bool {
        iterated.exchange(true, ordering: .relaxed)
    }

    func next() async throws -> [[SQLValue]]? {
        let proceed = try state.withLock { state throws(ShardQLError) -> Bool in
            switch state {
            case .ready:
                state = .running
                return true
            case .running:
                throw ShardQLError(.invalidArgument, "ShardRowStream: next() called while another call runs")
            case .finished:
                return false
            }
        }
        guard proceed else { return nil }
        do {
            if let batch = try await nextBatch() {
                state.withLock { if case .running = $0 { $0 = .ready } }
                return batch
            }
        } catch {
            state.withLock { $0 = .finished }
            close()
            throw error
        }
        state.withLock { $0 = .finished }
        close()
        return nil
    }

    func close() {
        if !terminated.exchange(true, ordering: .acquiringAndReleasing) { onTermination() }
    }
}

/// The nodes that served a read, in order (a read that moved to another copy mid-stream has
/// two); shared between the stream and the code that moves it.
public final class ServingNodes: Sendable {
    private let list: Mutex<[String]>

    public init(_ addresses: [String] = []) {
        list = Mutex(addresses)
    }

    /// The addresses so far, first first.
    public var addresses: [String] { list.withLock { $0 } }

    /// Records that `address` serves the read from now on.
    public func append(_ address: String) {
        list.withLock { $0.append(address) }
    }
}
