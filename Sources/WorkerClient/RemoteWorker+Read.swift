import GRPCCore
import ShardQLBase
import Synchronization
import Worker
import WorkerProtocol

extension RemoteWorker {
    /// Starts the read on the node and returns once its columns arrived (or it failed: errors
    /// preparing the statement are thrown here, as by ``LocalWorker``).
    ///
    /// The RPC runs in a task of its own, handing batches over one at a time (at most one waits
    /// for the consumer; HTTP/2 flow control holds the worker back beyond that). Leaving the loop,
    /// dropping the stream or cancelling the consuming task cancels the RPC, and so the worker's
    /// statement.
    public func read(_ read: ShardRead, on shard: ShardFileID, batchRows: Int) async throws -> ShardRowStream {
        guard batchRows > 0 else {
            throw ShardQLError(.invalidArgument, "batchRows must be at least 1, got \(batchRows)")
        }
        var fragment = Shardql_V1_Fragment()
        fragment.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        fragment.sql = read.sql
        fragment.parameters = WireParameters.encode(read.parameters)
        fragment.attaching = try read.attaching.map { file throws(ShardQLError) in
            Shardql_V1_ShardRef(try file.checkedForWire())
        }
        var request = Shardql_V1_ReadRequest()
        request.protocolVersion = options.protocolVersion
        request.fragments = [fragment]
        request.transaction = read.transaction?.rawValue ?? ""
        request.batchRows = UInt32(clamping: batchRows)

        var callOptions = self.callOptions
        callOptions.timeout = options.readTimeout
        let handoff = AsyncHandoff<Shardql_V1_RowBatch>(capacity: 1)
        let shards = [shard.description] + read.attaching.map(\.description)
        let (stub, metadata, address) = (self.stub, self.metadata, self.address)
        let rpc = Task {
            do {
                try await stub.read(request, metadata: metadata, options: callOptions) { response in
                    for try await message in response.messages {
                        try await handoff.send(message)
                    }
                }
                handoff.finish()
            } catch {
                handoff.finish(throwing: WireErrors.shardQLError(error, node: address, shards: shards))
            }
        }
        let batches = RemoteBatches(handoff: handoff, rpc: rpc)
        let first: Shardql_V1_RowBatch
        do {
            guard let message = try await handoff.receive() else {
                throw ShardQLError(.internalError, "worker \(address) ended a read of \(shard) without its columns")
            }
            first = message
        } catch {
            batches.stop()
            throw Self.readError(error)
        }
        do {
            try batches.start(with: first)
        } catch {
            batches.stop()
            throw error
        }
        return ShardRowStream(
            columns: first.columns, nextBatch: { try await batches.next() }, onTermination: { batches.stop() })
    }

    /// A cancelled wait reads as ShardQL's cancellation, like ``LocalWorker``'s.
    static func readError(_ error: any Error) -> any Error {
        if error is CancellationError { return ShardQLError(.cancelled, "the read was cancelled") }
        return error
    }
}

/// The batches of one remote read, between its RPC task and its ``ShardRowStream``.
private final class RemoteBatches: Sendable {
    private let handoff: AsyncHandoff<Shardql_V1_RowBatch>
    private let rpc: Task<Void, Never>
    /// The first message's rows, until the first ``next()``; whether the last message came.
    private let state = Mutex<(pending: [[SQLValue]], ended: Bool)>(([], false))

    init(handoff: AsyncHandoff<Shardql_V1_RowBatch>, rpc: Task<Void, Never>) {
        self.handoff = handoff
        self.rpc = rpc
    }

    func start(with first: Shardql_V1_RowBatch) throws(ShardQLError) {
        let rows = try first.rows.decoded()
        state.withLock { $0 = (rows, first.last) }
    }

    func next() async throws -> [[SQLValue]]? {
        let (pending, ended) = state.withLock { state in
            defer { state.pending = [] }
            return state
        }
        if !pending.isEmpty { return pending }
        if ended { return nil }
        do {
            while let message = try await handoff.receive() {
                let rows = try message.rows.decoded()
                if message.last { state.withLock { $0.ended = true } }
                if !rows.isEmpty { return rows }
                if message.last { return nil }
            }
            return nil
        } catch {
            throw RemoteWorker.readError(error)
        }
    }

    /// Cancels the RPC (and with it the worker's statement); nothing once it has ended.
    func stop() {
        handoff.cancel()
        rpc.cancel()
    }
}
