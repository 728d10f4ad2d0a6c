import Coordinator

/// A query's rows as they arrive from the shards: iterate it with `for try await`. Rows are
/// pulled batch by batch, so a large result never sits in memory; leaving the loop early, or
/// cancelling the task, stops the shards' work.
public struct RowSequence: AsyncSequence, Sendable {
    /// Each element is one ``Row``.
    public typealias Element = Row
    /// Iteration fails only with `ShardQLError` (`.cancelled` when the task is cancelled).
    public typealias Failure = ShardQLError

    /// The result's column names.
    public let columns: ColumnNames
    private let result: QueryResult

    init(_ result: QueryResult) {
        self.result = result
        self.columns = ColumnNames(result.columns)
    }

    /// The shards whose rows are missing because no copy of them could be reached, each as
    /// `shard 1 of orders (g4-s1.sqlite)`: only with `PRAGMA shardql.partial_results = on`
    /// (otherwise such a query fails with a `ShardQLError` whose code is `.unavailable`). Complete once the rows
    /// have been read; empty for a whole result.
    public var unavailableShards: [String] { result.unavailableShards }

    /// An iterator over the rows; a result is iterated once.
    public func makeAsyncIterator() -> Iterator {
        Iterator(batches: result.makeAsyncIterator(), columns: columns)
    }

    /// Pulls the result's rows batch by batch.
    public struct Iterator: AsyncIteratorProtocol {
        var batches: QueryResult.Iterator
        let columns: ColumnNames
        var batch: [[SQLValue]] = []
        var position = 0

        /// The next row, or nil after the last one.
        public mutating func next() async throws(ShardQLError) -> Row? {
            while position == batch.count {
                var batches = self.batches
                let next = try await publicErrors { try await batches.next() }
                self.batches = batches
                guard let next else { return nil }
                batch = next
                position = 0
            }
            defer { position += 1 }
            return Row(columns: columns, values: batch[position])
        }
    }
}
