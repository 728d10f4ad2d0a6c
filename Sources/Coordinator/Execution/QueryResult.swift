import ShardQLBase
import Synchronization

/// A query's rows as they arrive from the shards, in batches: a non-blocking plan (router,
/// concatenation, k-way merge) holds about one batch per shard at a time however many rows
/// there are; plans that must see every row first (aggregates, the general path) hand over
/// their finished result.
///
/// ```swift
/// let result = try await cluster.query("SELECT id, name FROM people ORDER BY name")
/// print(result.columns)
/// for try await batch in result { for row in batch { print(row) } }
/// ```
///
/// Iterate it once. Leaving the loop early stops the shards' statements; the session's
/// statement timeout (`PRAGMA shardql.statement_timeout`) also bounds the iteration.
public struct QueryResult: AsyncSequence, Sendable {
    public typealias Element = [[SQLValue]]
    public typealias Failure = any Error

    /// The result's column names.
    public let columns: [String]
    let source: RowSource
    var unavailable: UnavailableShards?

    init(columns: [String], source: RowSource) {
        self.columns = columns
        self.source = source
    }

    /// The shards whose rows are missing because no copy of them could be reached, each as
    /// `shard 1 of orders (g4-s1.sqlite)`: only under `PRAGMA shardql.partial_results = on`
    /// (otherwise such a query fails), and complete once the rows have been read.
    public var unavailableShards: [String] { unavailable?.shards ?? [] }

    public func makeAsyncIterator() -> Iterator {
        Iterator(source: source)
    }

    /// Reads every remaining row.
    public func collect() async throws -> StatementResult {
        var rows: [[SQLValue]] = []
        for try await batch in self { rows.append(contentsOf: batch) }
        return StatementResult(columns: columns, rows: rows, unavailableShards: unavailableShards)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let source: RowSource

        public mutating func next() async throws -> [[SQLValue]]? {
            try await source.next()
        }
    }
}

/// Where a ``QueryResult``'s batches come from, with OFFSET, LIMIT, hidden sort columns and the
/// deadline applied.
///
/// `@unchecked Sendable`: the mutable state is touched only by `next()`, which the iterator
/// contract never calls concurrently (one consumer at a time); during a call the state is
/// used by exactly one task (the pull, or the caller when there is no deadline).
final class RowSource: @unchecked Sendable {
    enum State {
        case rows([[SQLValue]])
        case gather(GatherOperator.Iterator)
        case merge(MergeSortOperator<MeteredStream>.Iterator)
        /// The general path's answer on the coordinator's scratch database.
        case scratch(ScratchCursor)
        case finished
    }

    private var state: State
    /// Leading columns of each row that are the result (the rest are sort keys).
    private let visible: Int?
    private var toSkip: Int
    private var toReturn: Int?
    private let deadline: StatementDeadline?

    init(_ state: State, visible: Int? = nil, offset: Int = 0, limit: Int? = nil, deadline: StatementDeadline?) {
        self.state = state
        self.visible = visible
        self.toSkip = offset
        self.toReturn = limit
        self.deadline = deadline
    }

    func next() async throws -> [[SQLValue]]? {
        guard let deadline else { return try await pull() }
        return try await deadline.run { try await self.pull() }
    }

    private func pull() async throws -> [[SQLValue]]? {
        while true {
            if toReturn == 0 { state = .finished }
            var batch: [[SQLValue]]
            switch state {
            case .finished:
                return nil
            case .rows(let rows):
                state = .finished
                batch = rows
            case .gather(var iterator):
                do {
                    guard let next = try await iterator.next() else {
                        state = .finished
                        return nil
                    }
                    batch = next
                    state = .gather(iterator)
                } catch {
                    state = .finished
                    throw error
                }
            case .merge(var iterator):
                do {
                    guard let next = try await iterator.next() else {
                        state = .finished
                        return nil
                    }
                    batch = next
                    state = .merge(iterator)
                } catch {
                    state = .finished
                    throw error
                }
            case .scratch(let cursor):
                do {
                    guard let next = try await cursor.next() else {
                        state = .finished
                        return nil
                    }
                    batch = next
                } catch {
                    state = .finished
                    throw error
                }
            }
            if toSkip > 0 {
                let skipped = min(toSkip, batch.count)
                batch.removeFirst(skipped)
                toSkip -= skipped
            }
            if let remaining = toReturn, batch.count > remaining { batch.removeLast(batch.count - remaining) }
            if let remaining = toReturn { toReturn = remaining - batch.count }
            if let visible { batch = batch.map { Array($0.prefix(visible)) } }
            if !batch.isEmpty { return batch }
        }
    }
}

/// When a statement must be done by (`PRAGMA shardql.statement_timeout`).
struct StatementDeadline: Sendable {
    let timeout: Duration
    let instant: ContinuousClock.Instant

    init(timeout: Duration) {
        self.timeout = timeout
        self.instant = .now + timeout
    }

    /// Runs `body`, cancelling it at the deadline: cancellation interrupts the SQLite statements
    /// it runs on the shards and on the coordinator.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let instant = self.instant
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(until: instant, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            do {
                guard let first = try await group.next(), let result = first else { throw expired }
                return result
            } catch let error as ShardQLError where error.code == .cancelled && ContinuousClock.now >= instant {
                throw expired
            }
        }
    }

    var expired: ShardQLError {
        ShardQLError(.timeout, "the statement ran longer than its timeout of \(timeout) (PRAGMA shardql.statement_timeout)")
    }
}
