import Foundation
import GRPCCore
import ShardQLBase
import Synchronization
import Worker
import WorkerProtocol

/// The `shardql.v1.ShardWorker` service over any ``ShardExecutor`` — in a worker process, the
/// ``LocalWorker`` of its data directory.
///
/// Every call checks the request's protocol version, runs in a task that the RPC's cancellation
/// (the client gone, its deadline passed, the server stopping) cancels — which interrupts the
/// shard's SQLite statement — and fails with an `RPCError` keeping the ``ShardQLError``'s code
/// (``WireErrors``).
///
/// ```swift
/// let service = ShardWorkerService(executor: try LocalWorker(directory: "/srv/shardql/shards"))
/// let server = GRPCServer(transport: transport, services: [service])
/// ```
public struct ShardWorkerService: Shardql_V1_ShardWorker.SimpleServiceProtocol {
    /// What one request may ask of the worker: its own limits win over the request's.
    public struct Limits: Sendable, Hashable {
        /// Rows per batch when the request does not say.
        public var defaultBatchRows: Int
        /// The most rows per batch, whatever the request asks.
        public var maxBatchRows: Int
        /// The most bytes of encoded values per batch (a single wider row goes alone).
        public var maxBatchBytes: Int
        /// Fragments of one read running at once; the others wait their turn.
        public var maxConcurrentFragments: Int
        /// Fragments in one read request.
        public var maxFragments: Int
        /// Statements in one write request.
        public var maxStatements: Int

        /// Creates limits; the defaults suit a worker with a few cores.
        public init(
            defaultBatchRows: Int = 1024, maxBatchRows: Int = 65_536, maxBatchBytes: Int = 4 << 20,
            maxConcurrentFragments: Int = 4, maxFragments: Int = 4096, maxStatements: Int = 100_000
        ) {
            self.defaultBatchRows = defaultBatchRows
            self.maxBatchRows = maxBatchRows
            self.maxBatchBytes = maxBatchBytes
            self.maxConcurrentFragments = maxConcurrentFragments
            self.maxFragments = maxFragments
            self.maxStatements = maxStatements
        }
    }

    /// The ShardQL release a worker reports in its health answer.
    public static let releaseVersion = "0.1.0"

    let executor: any ShardExecutor
    let limits: Limits
    let state: WorkerServiceState

    /// Serves `executor` within `limits`.
    public init(executor: any ShardExecutor, limits: Limits = Limits()) {
        self.init(executor: executor, limits: limits, state: WorkerServiceState())
    }

    init(executor: any ShardExecutor, limits: Limits, state: WorkerServiceState) {
        self.executor = executor
        self.limits = limits
        self.state = state
    }

    // MARK: - Calls

    public func write(
        request: Shardql_V1_WriteRequest, context: ServerContext
    ) async throws -> Shardql_V1_WriteResult {
        try await serve(request.protocolVersion, context) {
            guard request.statements.count <= limits.maxStatements else {
                throw ShardQLError(
                    .resourceLimit,
                    "a write request holds \(request.statements.count) statements; this worker takes at most \(limits.maxStatements)")
            }
            let statements = try request.statements.map { statement throws(ShardQLError) in
                ShardStatement(statement.sql, parameters: try WireParameters.decode(statement.parameters))
            }
            FaultInjection.reach("worker.write.before")
            let outcomes = try await executor.write(
                statements, on: request.shard.fileID, in: try transactionID(request.transaction),
                recording: request.recording)
            FaultInjection.reach("worker.write.after")
            var result = Shardql_V1_WriteResult()
            result.outcomes = outcomes.map(Shardql_V1_StatementOutcome.init)
            return result
        }
    }

    public func transaction(
        request: Shardql_V1_TransactionRequest, context: ServerContext
    ) async throws -> Shardql_V1_TransactionResult {
        try await serve(request.protocolVersion, context) {
            let shard = request.shard.fileID
            let transaction = try transactionID(request.transaction)
            var result = Shardql_V1_TransactionResult()
            // Crash tests kill the worker around a step: `worker.prepare.after` is a prepared
            // record on disk whose answer never left.
            let fault = "worker.\(request.step)"
            FaultInjection.reach(fault + ".before")
            defer { FaultInjection.reach(fault + ".after") }
            switch request.step {
            case .begin: try await executor.begin(transaction, on: shard, recording: request.recording)
            case .commit: try await executor.commit(transaction, on: shard)
            case .prepare: result.prepared = try await executor.prepare(transaction, on: shard)
            case .commitPrepared: try await executor.commitPrepared(transaction, on: shard)
            case .abort: try await executor.abort(transaction, on: shard)
            case .savepoint: try await executor.savepoint(.begin(request.savepoint), on: shard, in: transaction)
            case .release: try await executor.savepoint(.release(request.savepoint), on: shard, in: transaction)
            case .rollbackTo:
                try await executor.savepoint(.rollback(to: request.savepoint), on: shard, in: transaction)
            case .unspecified, .UNRECOGNIZED:
                throw ShardQLError(.invalidArgument, "a transaction request names no step this worker knows")
            }
            return result
        }
    }

    public func preparedTransactions(
        request: Shardql_V1_PreparedRequest, context: ServerContext
    ) async throws -> Shardql_V1_PreparedResult {
        try await serve(request.protocolVersion, context) {
            var result = Shardql_V1_PreparedResult()
            result.transactions = try await executor.preparedTransactions(on: request.shard.fileID).map(\.rawValue)
            return result
        }
    }

    public func ingest(
        request: RPCAsyncSequence<Shardql_V1_IngestChunk, any Error>, context: ServerContext
    ) async throws -> Shardql_V1_IngestResult {
        // The version is checked on the first chunk, inside.
        try await serve(WireProtocol.version, context) {
            var target: (shard: ShardFileID, transaction: TransactionID, sql: String, recording: Bool, limit: Int)?
            var result = Shardql_V1_IngestResult()
            for try await chunk in request {
                if target == nil {
                    try WireProtocol.check(chunk.protocolVersion)
                    guard !chunk.insertSql.isEmpty else {
                        throw ShardQLError(.invalidArgument, "an ingest stream's first chunk names no INSERT statement")
                    }
                    target = (
                        chunk.shard.fileID, try transactionID(chunk.transaction), chunk.insertSql, chunk.recording,
                        Int(chunk.rejectionLimit)
                    )
                }
                guard let target, !chunk.kinds.isEmpty, !result.stoppedEarly else { continue }
                let batch = try IngestBatch(
                    columnCount: Int(chunk.columnCount), kinds: Array(chunk.kinds), ends: chunk.ends,
                    bytes: Array(chunk.data))
                let outcome = try await executor.ingest(
                    batch, sql: target.sql, on: target.shard, in: target.transaction, recording: target.recording,
                    rejectionLimit: max(1, target.limit - result.rejected.count))
                for rejection in outcome.rejected {
                    var wire = Shardql_V1_IngestRejection()
                    wire.row = result.rows + UInt64(rejection.row)
                    wire.message = rejection.message
                    result.rejected.append(wire)
                }
                result.rows += UInt64(batch.rowCount)
                result.stoppedEarly = outcome.stoppedEarly
            }
            return result
        }
    }

    public func createShard(
        request: Shardql_V1_ShardRequest, context: ServerContext
    ) async throws -> Shardql_V1_ShardResult {
        try await serve(request.protocolVersion, context) {
            try await executor.createShard(request.shard.fileID)
            return Shardql_V1_ShardResult()
        }
    }

    public func dropShard(
        request: Shardql_V1_ShardRequest, context: ServerContext
    ) async throws -> Shardql_V1_ShardResult {
        try await serve(request.protocolVersion, context) {
            try await executor.dropShard(request.shard.fileID)
            return Shardql_V1_ShardResult()
        }
    }

    // MARK: Copying shard files (ShardMaintenance)

    /// The executor's copying side; every worker process serves a ``LocalWorker``, which has one.
    private var maintenance: any ShardMaintenance {
        get throws {
            guard let maintenance = executor as? any ShardMaintenance else {
                throw ShardQLError(.unsupported, "this worker cannot copy shard files")
            }
            return maintenance
        }
    }

    public func copyShard(
        request: Shardql_V1_ShardRequest, response: RPCWriter<Shardql_V1_FileChunk>, context: ServerContext
    ) async throws {
        let maintenance = try maintenance
        try await serve(request.protocolVersion, context) {
            let export = try await maintenance.exportShard(request.shard.fileID)
            // The first message says the copy's state is fixed, and how big it is.
            var header = Shardql_V1_FileChunk()
            header.totalBytes = UInt64(export.byteCount)
            try await response.write(header)
            try await export.send(to: response)
        }
    }

    public func installShard(
        request: RPCAsyncSequence<Shardql_V1_FileChunk, any Error>, context: ServerContext
    ) async throws -> Shardql_V1_InstallResult {
        let maintenance = try maintenance
        // The version is checked on the first chunk, inside.
        return try await serve(WireProtocol.version, context) {
            let chunks = ChunkReader(request.makeAsyncIterator())
            guard let first = try await chunks.next() else {
                throw ShardQLError(.invalidArgument, "an install stream sent nothing")
            }
            try WireProtocol.check(first.protocolVersion)
            guard first.hasShard else {
                throw ShardQLError(.invalidArgument, "an install stream's first chunk names no shard")
            }
            // The first chunk may carry data too.
            let pending = Mutex<Shardql_V1_FileChunk?>(first)
            let export = ShardFileExport.receiving(byteCount: Int64(first.totalBytes)) {
                if let first = pending.withLock({ first in defer { first = nil }; return first }) { return first }
                return try await chunks.next()
            }
            var result = Shardql_V1_InstallResult()
            result.position = try await maintenance.installShard(first.shard.fileID, from: export)
            return result
        }
    }

    public func controlShard(
        request: Shardql_V1_ControlRequest, context: ServerContext
    ) async throws -> Shardql_V1_ControlResult {
        let maintenance = try maintenance
        return try await serve(request.protocolVersion, context) {
            var result = Shardql_V1_ControlResult()
            result.position = try await maintenance.controlShard(request.shard.fileID, try request.control.shardControl)
            return result
        }
    }

    public func shardChanges(
        request: Shardql_V1_ChangesRequest, context: ServerContext
    ) async throws -> Shardql_V1_ChangesResult {
        let maintenance = try maintenance
        return try await serve(request.protocolVersion, context) {
            FaultInjection.reach("worker.changes.before")
            var result = Shardql_V1_ChangesResult()
            result.changes = try await maintenance.changes(
                of: request.shard.fileID, after: request.after, limit: Int(request.limit)
            ).map(Shardql_V1_Change.init)
            return result
        }
    }

    public func applyChanges(
        request: Shardql_V1_ApplyChangesRequest, context: ServerContext
    ) async throws -> Shardql_V1_ApplyChangesResult {
        let maintenance = try maintenance
        return try await serve(request.protocolVersion, context) {
            var result = Shardql_V1_ApplyChangesResult()
            result.position = try await maintenance.applyChanges(request.changes.map(\.shardChange), to: request.shard.fileID)
            return result
        }
    }

    public func statistics(
        request: Shardql_V1_StatisticsRequest, context: ServerContext
    ) async throws -> Shardql_V1_StatisticsResult {
        try await serve(request.protocolVersion, context) {
            guard request.shards.count <= limits.maxFragments else {
                throw ShardQLError(.resourceLimit, "a statistics request names \(request.shards.count) shards")
            }
            var result = Shardql_V1_StatisticsResult()
            for reference in request.shards {
                let shard = reference.fileID
                result.shards.append(Shardql_V1_ShardStatistics(try await executor.statistics(of: shard), of: shard))
            }
            return result
        }
    }

    public func health(
        request: Shardql_V1_HealthRequest, context: ServerContext
    ) async throws -> Shardql_V1_HealthResult {
        try await serve(request.protocolVersion, context) {
            var result = Shardql_V1_HealthResult()
            result.status = state.isDraining ? .draining : .serving
            result.protocolVersion = WireProtocol.version
            result.version = Self.releaseVersion
            result.uptimeMs = UInt64(max(0, (ContinuousClock.now - state.started) / .milliseconds(1)))
            result.shardFiles = UInt32(clamping: state.shardFiles())
            // This call is one of them.
            result.requestsInFlight = UInt32(clamping: max(0, state.inFlight - 1))
            return result
        }
    }

    // MARK: - Plumbing

    func transactionID(_ text: String) throws(ShardQLError) -> TransactionID {
        guard !text.isEmpty else { throw ShardQLError(.invalidArgument, "the request names no transaction") }
        return TransactionID(text)
    }

    /// Runs `body` for one call: checks `version`, counts the call in flight, cancels `body` when
    /// gRPC cancels the RPC (gRPC does not cancel the handler's task itself) unless the server is
    /// draining, and maps its errors.
    ///
    /// A call with a `readID` can also be cancelled by ``cancelRead(request:context:)``.
    func serve<Result: Sendable>(
        _ version: UInt32, _ context: ServerContext, readID: String = "",
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        state.enter()
        defer { state.leave() }
        do {
            do {
                try WireProtocol.check(version)
            } catch {
                // The proto promises FAILED_PRECONDITION, with the code kept in the metadata.
                var rpcError = WireErrors.rpcError(error)
                rpcError.code = .failedPrecondition
                throw rpcError
            }
            let task = Task { try await body() }
            let registration = readID.isEmpty ? nil : state.registerRead(readID) { task.cancel() }
            defer { if let registration { state.unregisterRead(readID, registration) } }
            return try await withRPCCancellationHandler {
                try await withTaskCancellationHandler {
                    try await task.value
                } onCancel: {
                    task.cancel()
                }
            } onCancelRPC: {
                // gRPC also cancels every RPC when a graceful shutdown begins: a draining worker
                // lets them finish instead (its drain time bounds them).
                if !state.isDraining { task.cancel() }
            }
        } catch {
            throw WireErrors.rpcError(error)
        }
    }
}

/// What the calls of one server share: whether it drains, calls in flight, since when it runs.
final class WorkerServiceState: Sendable {
    let started = ContinuousClock.now
    private let draining = Atomic(false)
    private let inFlightCount = Atomic(0)
    /// Counts the shard files the worker holds, for health reports.
    let shardFiles: @Sendable () -> Int

    init(shardFiles: @escaping @Sendable () -> Int = { 0 }) {
        self.shardFiles = shardFiles
    }

    var isDraining: Bool { draining.load(ordering: .relaxed) }
    var inFlight: Int { inFlightCount.load(ordering: .relaxed) }

    /// Running reads by the id their client gave, each with its cancel action and registration.
    private let reads = Mutex<[String: (registration: UInt64, cancel: @Sendable () -> Void)]>([:])
    private let registrations = Atomic<UInt64>(0)

    /// Makes `cancel` the way to stop the read `id`; returns the registration to remove it by.
    func registerRead(_ id: String, cancel: @escaping @Sendable () -> Void) -> UInt64 {
        let registration = registrations.add(1, ordering: .relaxed).newValue
        reads.withLock { $0[id] = (registration, cancel) }
        return registration
    }

    func unregisterRead(_ id: String, _ registration: UInt64) {
        reads.withLock { reads in
            if reads[id]?.registration == registration { reads[id] = nil }
        }
    }

    /// Cancels the read `id`; whether it was running.
    func cancelRead(_ id: String) -> Bool {
        guard let cancel = reads.withLock({ $0[id]?.cancel }) else { return false }
        cancel()
        return true
    }

    func beginDraining() { draining.store(true, ordering: .relaxed) }
    func enter() { inFlightCount.add(1, ordering: .relaxed) }
    func leave() { inFlightCount.subtract(1, ordering: .relaxed) }
}

/// A request stream's iterator, used by one task at a time (the install's), through a closure.
private final class ChunkReader: @unchecked Sendable {
    private var iterator: RPCAsyncSequence<Shardql_V1_FileChunk, any Error>.AsyncIterator

    init(_ iterator: RPCAsyncSequence<Shardql_V1_FileChunk, any Error>.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async throws -> Shardql_V1_FileChunk? { try await iterator.next() }
}
