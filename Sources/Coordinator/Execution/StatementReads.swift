import ShardQLBase
import Synchronization
import Worker

/// The shards a query answered without (`PRAGMA shardql.partial_results = on`): no copy of
/// them could be reached, before or during their read. Shared by the query's reads, read by
/// the caller after the rows.
public final class UnavailableShards: Sendable {
    private let found = Mutex<[ShardFileID: String]>([:])
    /// Names a shard for people: its tables and file.
    private let describe: @Sendable (ShardFileID) -> String

    init(describing describe: @escaping @Sendable (ShardFileID) -> String) {
        self.describe = describe
    }

    func record(_ shard: ShardFileID, _ error: any Error) {
        found.withLock { found in
            if found[shard] == nil { found[shard] = (error as? ShardQLError)?.message ?? "\(error)" }
        }
    }

    /// The shards left out so far, in shard order, each as `shard 1 of orders (g4-s1.sqlite)`.
    public var shards: [String] {
        found.withLock { Array($0.keys) }.sorted().map(describe)
    }

    var isEmpty: Bool { found.withLock { $0.isEmpty } }

    /// The error of a query none of whose shards could be read: partial results need some.
    func noneReachable() -> ShardQLError {
        let reasons = found.withLock { $0 }.sorted { $0.key < $1.key }.map { "\(describe($0.key)): \($0.value)" }
        return ShardQLError(
            .unavailable, "no shard the query reads is reachable, so there is no partial result: " + reasons.joined(separator: "; "))
    }
}

/// The executor a statement's reads go through when they need more than the placement router:
/// inside a transaction, reads name it, so the shards it holds answer with its own changes;
/// under `PRAGMA shardql.partial_results = on`, a query's read of a shard none of whose copies
/// can be reached (``ShardQLError/Code/unavailable``) yields no rows instead of failing — at
/// its start (the stream then has no columns) or in its middle (it ends there) — and the shard
/// is recorded in `unavailable`. Other calls go to `base` unchanged.
struct StatementReads: ShardExecutor {
    let base: any ShardExecutor
    let transaction: TransactionID?
    let unavailable: UnavailableShards?

    func read(_ read: ShardRead, on shard: ShardFileID, batchRows: Int) async throws -> ShardRowStream {
        var read = read
        if let transaction { read.transaction = transaction }
        guard let unavailable else { return try await base.read(read, on: shard, batchRows: batchRows) }
        let stream: ShardRowStream
        do {
            stream = try await base.read(read, on: shard, batchRows: batchRows)
        } catch where PlacementExecutor.isUnreachable(error) {
            unavailable.record(shard, error)
            return ShardRowStream(columns: [], nextBatch: { nil }, onTermination: {})
        }
        let rows = SharedIterator(stream.makeAsyncIterator())
        var partial = ShardRowStream(
            columns: stream.columns,
            nextBatch: {
                do {
                    return try await rows.next()
                } catch where PlacementExecutor.isUnreachable(error) {
                    unavailable.record(shard, error)
                    return nil
                }
            },
            onTermination: { rows.drop() })
        partial.servedBy = stream.servedBy
        return partial
    }

    func query(_ sql: String, parameters: [SQLValue], on shard: ShardFileID) async throws -> RowSet {
        try await read(ShardRead(sql, parameters: parameters), on: shard, batchRows: 4096).collect()
    }

    func createShard(_ shard: ShardFileID) async throws { try await base.createShard(shard) }
    func dropShard(_ shard: ShardFileID) async throws { try await base.dropShard(shard) }
    func begin(_ transaction: TransactionID, on shard: ShardFileID, recording: Bool) async throws {
        try await base.begin(transaction, on: shard, recording: recording)
    }
    func write(_ statements: [ShardStatement], on shard: ShardFileID, in transaction: TransactionID, recording: Bool)
        async throws -> [WriteOutcome]
    {
        try await base.write(statements, on: shard, in: transaction, recording: recording)
    }
    func ingest(
        _ batch: IngestBatch, sql: String, on shard: ShardFileID, in transaction: TransactionID, recording: Bool,
        rejectionLimit: Int
    ) async throws -> IngestOutcome {
        try await base.ingest(batch, sql: sql, on: shard, in: transaction, recording: recording, rejectionLimit: rejectionLimit)
    }
    func savepoint(_ operation: SavepointOperation, on shard: ShardFileID, in transaction: TransactionID) async throws {
        try await base.savepoint(operation, on: shard, in: transaction)
    }
    func commit(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        try await base.commit(transaction, on: shard)
    }
    func prepare(_ transaction: TransactionID, on shard: ShardFileID) async throws -> Bool {
        try await base.prepare(transaction, on: shard)
    }
    func commitPrepared(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        try await base.commitPrepared(transaction, on: shard)
    }
    func abort(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        try await base.abort(transaction, on: shard)
    }
    func preparedTransactions(on shard: ShardFileID) async throws -> [TransactionID] {
        try await base.preparedTransactions(on: shard)
    }
    func statistics(of shard: ShardFileID) async throws -> ShardStatistics {
        try await base.statistics(of: shard)
    }
    func close() async { await base.close() }
}

/// A stream's iterator behind a stream of closures: one caller at a time (the stream's
/// contract), dropped when the outer stream ends so the inner statement stops.
final class SharedIterator: @unchecked Sendable {
    private var iterator: ShardRowStream.AsyncIterator?

    init(_ iterator: ShardRowStream.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async throws -> [[SQLValue]]? {
        guard var rows = iterator else { return nil }
        let batch = try await rows.next()
        iterator = batch == nil ? nil : rows
        return batch
    }

    func drop() { iterator = nil }
}
