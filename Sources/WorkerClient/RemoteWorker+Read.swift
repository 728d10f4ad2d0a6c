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
        request.readID = nextReadID()

        var callOptions = self.callOptions
        callOptions.timeout = options.readTimeout
        let handoff = AsyncHandoff<Shardql_V1_RowBatch>(capacity: 1)
        let shards = [shard.description] + read.attaching.map(\.description)
        let (stub, metadata, address) = (self.stub, self.metadata, self.address)
        let discarding = DiscardFlag()
        let rpc = Task {
            do {
                try await stub.read(request, metadata: metadata, options: callOptions) { response in
                    // Once the consumer stopped, the rest is read and dropped until the worker
                    // ends the stream: leaving it would reset it.
                    for try await message in response.messages where !discarding.isSet {
                        do {
                            try await handoff.send(message)
                        } catch where discarding.isSet {
                            continue
                        }
                    }
                }
                handoff.finish()
            } catch {
                handoff.finish(throwing: WireErrors.shardQLError(error, node: address, shards: shards))
            }
        }
        var cancelRequest = Shardql_V1_CancelReadRequest()
        cancelRequest.protocolVersion = options.protocolVersion
        cancelRequest.readID = request.readID
        let cancelOptions = self.callOptions
        let batches = RemoteBatches(
            handoff: handoff, rpc: rpc, discarding: discarding,
            cancelOnWorker: { [cancelRequest] in
                (try? await stub.cancelRead(cancelRequest, metadata: metadata, options: cancelOptions)) != nil
            })
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
    /// How long a worker has to end a read it was asked to cancel before its stream is reset.
    static let cancelGrace = Duration.seconds(5)

    private let handoff: AsyncHandoff<Shardql_V1_RowBatch>
    private let rpc: Task<Void, Never>
    /// Set when the consumer stopped early: the RPC drops what still arrives.
    private let discarding: DiscardFlag
    /// Asks the worker to end the read; whether it answered.
    private let cancelOnWorker: @Sendable () async -> Bool
    /// The first message's rows, until the first ``next()``; whether the last message came.
    private let state = Mutex<(pending: [[SQLValue]], ended: Bool)>(([], false))

    init(
        handoff: AsyncHandoff<Shardql_V1_RowBatch>, rpc: Task<Void, Never>, discarding: DiscardFlag,
        cancelOnWorker: @escaping @Sendable () async -> Bool
    ) {
        self.handoff = handoff
        self.rpc = rpc
        self.discarding = discarding
        self.cancelOnWorker = cancelOnWorker
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

    /// Stops the worker's statement, unless the last batch came (the RPC then only waits for the
    /// worker's closing status, which is on its way).
    ///
    /// The worker is asked to end the read (`CancelRead`), and what still arrives is dropped
    /// until it does; only if it does not answer, or not within ``cancelGrace``, is the RPC
    /// cancelled, which resets its HTTP/2 stream. Resets are the last resort because a server
    /// closes a connection that resets streams too often (NIO's defence against rapid-reset
    /// attacks: 200 in 30 s), failing every call on it — and a LIMIT satisfied early stops a read
    /// every time.
    func stop() {
        guard !state.withLock({ $0.ended }), discarding.set() else { return }
        // Wakes the RPC if it waits to hand over a batch: it drops it and reads on.
        handoff.cancel()
        let (rpc, cancelOnWorker) = (self.rpc, self.cancelOnWorker)
        Task {
            guard await cancelOnWorker() else {
                rpc.cancel()
                return
            }
            let endedInTime = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await rpc.value
                    return true
                }
                group.addTask {
                    try? await Task.sleep(for: Self.cancelGrace)
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            if !endedInTime { rpc.cancel() }
        }
    }
}

/// Whether a read's consumer stopped early, shared by the RPC task and its ``RemoteBatches``.
private final class DiscardFlag: Sendable {
    private let value = Atomic(false)

    var isSet: Bool { value.load(ordering: .relaxed) }

    /// Sets the flag; whether this call set it (false if it was set already).
    func set() -> Bool { !value.exchange(true, ordering: .relaxed) }
}
