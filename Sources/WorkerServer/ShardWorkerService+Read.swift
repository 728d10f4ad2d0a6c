import GRPCCore
import ShardQLBase
import Worker
import WorkerProtocol

extension ShardWorkerService {
    /// Streams each fragment's rows as ``Shardql_V1_RowBatch``es: the first batch of a fragment
    /// names its columns (it may hold no rows), its last one says so. Several fragments run at
    /// once, at most ``Limits/maxConcurrentFragments``, their batches interleaved; the first
    /// failing fragment fails the call and stops the others.
    public func read(
        request: Shardql_V1_ReadRequest, response: RPCWriter<Shardql_V1_RowBatch>, context: ServerContext
    ) async throws {
        try await serve(request.protocolVersion, context, readID: request.readID) {
            guard !request.fragments.isEmpty else {
                throw ShardQLError(.invalidArgument, "a read request holds no fragment")
            }
            guard request.fragments.count <= limits.maxFragments else {
                throw ShardQLError(
                    .resourceLimit,
                    "a read request holds \(request.fragments.count) fragments; this worker takes at most \(limits.maxFragments)")
            }
            let transaction = request.transaction.isEmpty ? nil : TransactionID(request.transaction)
            let reads = try request.fragments.map { fragment throws(ShardQLError) in
                (
                    fragment.shard.fileID,
                    ShardRead(
                        fragment.sql, parameters: try WireParameters.decode(fragment.parameters),
                        attaching: fragment.attaching.map(\.fileID), transaction: transaction)
                )
            }
            let batchRows = request.batchRows == 0 ? limits.defaultBatchRows : min(Int(request.batchRows), limits.maxBatchRows)
            let batchBytes = request.batchBytes == 0 ? limits.maxBatchBytes : min(Int(request.batchBytes), limits.maxBatchBytes)
            let run = FragmentRun(executor: executor, batchRows: batchRows, batchBytes: batchBytes)
            if reads.count == 1 {
                // The common case, without a queue between the statement and the response.
                try await run.stream(reads[0].1, on: reads[0].0, fragment: 0) { try await response.write($0) }
                return
            }
            try await run.streamConcurrently(reads, limit: limits.maxConcurrentFragments, into: response)
        }
    }
}

extension ShardWorkerService {
    /// Stops the read the request names, as if its RPC were cancelled: its statements are
    /// interrupted and its stream ends with the status CANCELLED.
    public func cancelRead(
        request: Shardql_V1_CancelReadRequest, context: ServerContext
    ) async throws -> Shardql_V1_CancelReadResult {
        try await serve(request.protocolVersion, context) {
            var result = Shardql_V1_CancelReadResult()
            result.cancelled = state.cancelRead(request.readID)
            return result
        }
    }
}

/// The fragments of one read request.
struct FragmentRun: Sendable {
    let executor: any ShardExecutor
    let batchRows: Int
    let batchBytes: Int

    /// Reads one fragment, handing each message to `send`.
    func stream(
        _ read: ShardRead, on shard: ShardFileID, fragment: Int,
        send: (Shardql_V1_RowBatch) async throws -> Void
    ) async throws {
        let stream = try await executor.read(read, on: shard, batchRows: batchRows)
        var message = Shardql_V1_RowBatch()
        message.fragment = UInt32(fragment)
        message.columns = stream.columns
        let columnCount = stream.columns.count
        for try await batch in stream {
            for chunk in Self.split(batch, columnCount: columnCount, maxBytes: batchBytes) {
                message.rows = chunk
                try await send(message)
                message.columns = []
            }
        }
        // The end: an empty last batch (with the columns when no rows came), so a row batch is
        // never held back waiting to learn whether it is the last.
        message.rows = Shardql_V1_Rows([], columnCount: columnCount)
        message.last = true
        try await send(message)
    }

    /// Runs the fragments, at most `limit` at once, their messages funnelled into `response`.
    func streamConcurrently(
        _ reads: [(ShardFileID, ShardRead)], limit: Int, into response: RPCWriter<Shardql_V1_RowBatch>
    ) async throws {
        // A message or two per running fragment may wait for the network.
        let handoff = AsyncHandoff<Shardql_V1_RowBatch>(capacity: max(1, limit))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await withThrowingTaskGroup(of: Void.self) { fragments in
                        var next = 0
                        func start() {
                            let index = next
                            next += 1
                            fragments.addTask {
                                try await stream(reads[index].1, on: reads[index].0, fragment: index) {
                                    try await handoff.send($0)
                                }
                            }
                        }
                        while next < min(limit, reads.count) { start() }
                        while try await fragments.next() != nil {
                            if next < reads.count { start() }
                        }
                    }
                    handoff.finish()
                } catch {
                    handoff.finish(throwing: error)
                }
            }
            do {
                while let message = try await handoff.receive() {
                    try await response.write(message)
                }
            } catch {
                handoff.cancel()
                group.cancelAll()
                throw error
            }
            try await group.waitForAll()
        }
    }

    /// `rows` as one or more payloads of at most `maxBytes` encoded bytes each (a row wider than
    /// that goes alone).
    static func split(_ rows: [[SQLValue]], columnCount: Int, maxBytes: Int) -> [Shardql_V1_Rows] {
        let encoded = Shardql_V1_Rows(rows, columnCount: columnCount)
        guard encoded.values.count > maxBytes, rows.count > 1 else { return [encoded] }
        let half = rows.count / 2
        return split(Array(rows[..<half]), columnCount: columnCount, maxBytes: maxBytes)
            + split(Array(rows[half...]), columnCount: columnCount, maxBytes: maxBytes)
    }
}
