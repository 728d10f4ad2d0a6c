import ShardQLBase
import Synchronization
import Worker

/// What one fragment did, for `EXPLAIN ANALYZE`.
struct FragmentMetrics: Sendable {
    var shard: ShardFileID
    /// The nodes whose copy answered (two or more after a failover); nil when not known.
    var servedBy: ServingNodes?
    var rows = 0
    var batches = 0
    /// From the query's start until the shard had prepared the fragment and stepped its first
    /// batch (for an aggregate, all of its work).
    var firstBatch: Duration = .zero
    /// From the query's start to the shard's last batch (or to when the consumer stopped pulling).
    var elapsed: Duration = .zero
}

/// A shard's row stream that counts what passes through and when, into a shared record.
struct MeteredStream: AsyncSequence, Sendable {
    typealias Element = [[SQLValue]]
    typealias Failure = any Error

    let stream: ShardRowStream
    let started: ContinuousClock.Instant
    /// Where the figures go: fragment `index` of an execution.
    let recorder: MetricsRecorder
    let index: Int

    var columns: [String] { stream.columns }

    func makeAsyncIterator() -> Iterator {
        Iterator(base: stream.makeAsyncIterator(), started: started, recorder: recorder, index: index)
    }

    struct Iterator: AsyncIteratorProtocol, Sendable {
        var base: ShardRowStream.AsyncIterator
        let started: ContinuousClock.Instant
        let recorder: MetricsRecorder
        let index: Int

        mutating func next() async throws -> [[SQLValue]]? {
            let batch = try await base.next()
            let now = ContinuousClock.now
            recorder.record(index: index, rows: batch?.count ?? 0, elapsed: now - started)
            return batch
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> [[SQLValue]]? {
            try await next()
        }
    }
}

/// Per-fragment figures of one execution, written by the fragments' iterators.
final class MetricsRecorder: Sendable {
    private let fragments: Mutex<[FragmentMetrics]>

    init(shards: [ShardFileID]) {
        fragments = Mutex(shards.map { FragmentMetrics(shard: $0) })
    }

    func record(index: Int, rows: Int, elapsed: Duration) {
        fragments.withLock { fragments in
            fragments[index].rows += rows
            fragments[index].batches += rows > 0 ? 1 : 0
            fragments[index].elapsed = elapsed
        }
    }

    func recordFirstBatch(index: Int, elapsed: Duration, servedBy: ServingNodes?) {
        fragments.withLock { fragments in
            fragments[index].firstBatch = elapsed
            fragments[index].servedBy = servedBy
        }
    }

    var snapshot: [FragmentMetrics] { fragments.withLock { $0 } }
}
