import Foundation
import GRPCCore
import Synchronization
import GRPCNIOTransportHTTP2Posix
import ShardQLBase
import Worker
import WorkerProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``ShardExecutor`` whose shard files live in a worker process (`shardql worker`), reached
/// over gRPC: the coordinator's side of the wire.
///
/// One connection per node, reused by every call; each call has a deadline (reads have none by
/// default but stop when their task is cancelled); cancelling the calling task cancels the RPC,
/// which interrupts the worker's SQLite statement. Errors come back as the worker's own
/// ``ShardQLError`` (same code and SQLite result code); a node that cannot be reached or goes
/// away gives ``ShardQLError/Code/unavailable`` (or ``ShardQLError/Code/timeout`` past the
/// deadline) with a message naming the node and the shards.
///
/// ```swift
/// let worker = try RemoteWorker(address: "127.0.0.1:7001", options: .init(token: token))
/// let rows = try await worker.read(ShardRead("SELECT * FROM t"), on: shard, batchRows: 1024).collect()
/// await worker.close()
/// ```
public final class RemoteWorker: ShardExecutor {
    /// How calls to the node behave.
    public struct Options: Sendable {
        /// The deadline of every call but reads.
        public var callTimeout: Duration
        /// The deadline of a read's whole stream; `nil`: none (the caller cancels it).
        public var readTimeout: Duration?
        /// The cluster token, sent as `authorization: Bearer <token>`.
        public var token: String?
        /// A PEM file of the certificate authorities that signed the workers' certificates: when
        /// set, connections use TLS and a worker must present a certificate for its address
        /// (an IP address in its subjectAltName, or the host name) signed by one of them.
        public var tlsCAFile: String?
        /// The protocol version requests claim: only tests claim another.
        package var protocolVersion = WireProtocol.version

        /// Creates options; see the properties.
        public init(
            callTimeout: Duration = .seconds(30), readTimeout: Duration? = nil, token: String? = nil,
            tlsCAFile: String? = nil
        ) {
            self.callTimeout = callTimeout
            self.readTimeout = readTimeout
            self.token = token
            self.tlsCAFile = tlsCAFile
        }
    }

    /// The node, as `HOST:PORT`.
    public let address: String
    public let options: Options
    let stub: Shardql_V1_ShardWorker.Client<HTTP2ClientTransport.Posix>
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let connections: Task<Void, Never>
    let metadata: Metadata
    /// Read ids are this client's random prefix and a counter: unique on the worker without
    /// coordination between coordinators.
    private let readIDPrefix = String(UInt64.random(in: .min ... .max), radix: 36)
    private let readCount = Atomic<UInt64>(0)

    /// Connects (lazily, at the first call) to the worker at `address` (`HOST:PORT`).
    public init(address: String, options: Options = Options()) throws(ShardQLError) {
        let parsed = try WorkerAddress(parsing: address)
        let target: any ResolvableTarget
        switch parsed.literal {
        case .ipv4(let host): target = ResolvableTargets.IPv4(addresses: [.init(host: host, port: parsed.port)])
        case .ipv6(let host): target = ResolvableTargets.IPv6(addresses: [.init(host: host, port: parsed.port)])
        case nil: target = ResolvableTargets.DNS(host: parsed.host, port: parsed.port)
        }
        let security: HTTP2ClientTransport.Posix.TransportSecurity
        if let caFile = options.tlsCAFile {
            guard access(caFile, R_OK) == 0 else {
                throw ShardQLError(.io, "cannot read the TLS certificate authority file '\(caFile)'")
            }
            security = .tls { tls in
                tls.trustRoots = .certificates([.file(path: caFile, format: .pem)])
                tls.serverCertificateVerification = .fullVerification
            }
        } else {
            security = .plaintext
        }
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(
                target: target, transportSecurity: security,
                config: .defaults { config in
                    // Reconnect soon after a worker restarts: calls fail fast (no waiting for ready)
                    // while the connection is down.
                    config.backoff.initial = .milliseconds(100)
                    config.backoff.max = .seconds(2)
                })
        } catch {
            throw ShardQLError(.invalidArgument, "cannot reach worker \(address): \(error)")
        }
        let client = GRPCClient(transport: transport)
        self.address = parsed.description
        self.options = options
        self.client = client
        self.stub = Shardql_V1_ShardWorker.Client(wrapping: client)
        var metadata: Metadata = [:]
        if let token = options.token { metadata.addString("Bearer \(token)", forKey: "authorization") }
        self.metadata = metadata
        // The connection's life: until close() (or this object goes away).
        self.connections = Task { try? await client.runConnections() }
    }

    deinit {
        client.beginGracefulShutdown()
    }

    /// Closes the connection once the calls running have finished, or after a second: a
    /// connection that never came up (a host name that does not resolve keeps the client
    /// retrying) would otherwise never finish shutting down.
    public func close() async {
        client.beginGracefulShutdown()
        let connections = self.connections
        let deadline = Task {
            try? await Task.sleep(for: .seconds(1))
            connections.cancel()
        }
        await connections.value
        deadline.cancel()
    }

    /// A new id for a read (`CancelRead` names it).
    func nextReadID() -> String {
        "\(readIDPrefix)-\(readCount.add(1, ordering: .relaxed).newValue)"
    }

    // MARK: - Calls

    /// Options for a unary call: its deadline; fail at once, not when the deadline passes, when
    /// the node is known to be down.
    var callOptions: CallOptions {
        var options = CallOptions.defaults
        options.timeout = self.options.callTimeout
        options.waitForReady = false
        options.maxResponseMessageBytes = 256 << 20
        options.maxRequestMessageBytes = 64 << 20
        return options
    }

    /// Runs one call about `shards`, turning its failure into the error the caller sees.
    func call<Result: Sendable>(
        about shards: [ShardFileID], _ body: () async throws -> Result
    ) async throws(ShardQLError) -> Result {
        do {
            return try await body()
        } catch {
            throw WireErrors.shardQLError(error, node: address, shards: shards.map(\.description))
        }
    }

    public func createShard(_ shard: ShardFileID) async throws {
        var request = Shardql_V1_ShardRequest()
        request.protocolVersion = options.protocolVersion
        request.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        _ = try await call(about: [shard]) {
            try await stub.createShard(request, metadata: metadata, options: callOptions)
        }
    }

    public func dropShard(_ shard: ShardFileID) async throws {
        var request = Shardql_V1_ShardRequest()
        request.protocolVersion = options.protocolVersion
        request.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        _ = try await call(about: [shard]) {
            try await stub.dropShard(request, metadata: metadata, options: callOptions)
        }
    }

    public func query(_ sql: String, parameters: [SQLValue], on shard: ShardFileID) async throws -> RowSet {
        try await read(ShardRead(sql, parameters: parameters), on: shard, batchRows: 4096).collect()
    }

    public func begin(_ transaction: TransactionID, on shard: ShardFileID, recording: Bool) async throws {
        _ = try await step(.begin, transaction, on: shard) { $0.recording = recording }
    }

    public func write(
        _ statements: [ShardStatement], on shard: ShardFileID, in transaction: TransactionID, recording: Bool
    ) async throws -> [WriteOutcome] {
        var request = Shardql_V1_WriteRequest()
        request.protocolVersion = options.protocolVersion
        request.transaction = transaction.rawValue
        request.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        request.recording = recording
        request.statements = statements.map { statement in
            var message = Shardql_V1_Statement()
            message.sql = statement.sql
            message.parameters = WireParameters.encode(statement.parameters)
            return message
        }
        let result = try await call(about: [shard]) {
            try await stub.write(request, metadata: metadata, options: callOptions)
        }
        return try result.outcomes.map { outcome throws(ShardQLError) in try outcome.decoded() }
    }

    public func ingest(
        _ batch: IngestBatch, sql: String, on shard: ShardFileID, in transaction: TransactionID, recording: Bool,
        rejectionLimit: Int
    ) async throws -> IngestOutcome {
        // One chunk per call: the coordinator keeps a batch per shard in flight, and a call's
        // outcome names the batch's own rows.
        var chunk = Shardql_V1_IngestChunk()
        chunk.protocolVersion = options.protocolVersion
        chunk.transaction = transaction.rawValue
        chunk.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        chunk.insertSql = sql
        chunk.recording = recording
        chunk.columnCount = UInt32(batch.columnCount)
        chunk.kinds = Data(batch.kinds.map(\.rawValue))
        chunk.ends = batch.ends
        chunk.data = Data(batch.bytes)
        chunk.rejectionLimit = UInt32(clamping: rejectionLimit)
        let request = chunk
        let result = try await call(about: [shard]) {
            try await stub.ingest(metadata: metadata, options: callOptions) { writer in
                try await writer.write(request)
            }
        }
        return IngestOutcome(
            inserted: Int(result.rows) - result.rejected.count,
            rejected: result.rejected.map { IngestOutcome.Rejection(row: Int($0.row), message: $0.message) },
            stoppedEarly: result.stoppedEarly)
    }

    public func savepoint(
        _ operation: SavepointOperation, on shard: ShardFileID, in transaction: TransactionID
    ) async throws {
        let (step, name): (Shardql_V1_TransactionStep, String) =
            switch operation {
            case .begin(let name): (.savepoint, name)
            case .release(let name): (.release, name)
            case .rollback(let name): (.rollbackTo, name)
            }
        _ = try await self.step(step, transaction, on: shard) { $0.savepoint = name }
    }

    public func commit(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        _ = try await step(.commit, transaction, on: shard)
    }

    public func prepare(_ transaction: TransactionID, on shard: ShardFileID) async throws -> Bool {
        try await step(.prepare, transaction, on: shard).prepared
    }

    public func commitPrepared(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        _ = try await step(.commitPrepared, transaction, on: shard)
    }

    public func abort(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        _ = try await step(.abort, transaction, on: shard)
    }

    public func preparedTransactions(on shard: ShardFileID) async throws -> [TransactionID] {
        var request = Shardql_V1_PreparedRequest()
        request.protocolVersion = options.protocolVersion
        request.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        let result = try await call(about: [shard]) {
            try await stub.preparedTransactions(request, metadata: metadata, options: callOptions)
        }
        return result.transactions.map(TransactionID.init(rawValue:))
    }

    public func statistics(of shard: ShardFileID) async throws -> ShardStatistics {
        var request = Shardql_V1_StatisticsRequest()
        request.protocolVersion = options.protocolVersion
        request.shards = [Shardql_V1_ShardRef(try shard.checkedForWire())]
        let result = try await call(about: [shard]) {
            try await stub.statistics(request, metadata: metadata, options: callOptions)
        }
        guard let statistics = result.shards.first else {
            throw ShardQLError(.internalError, "worker \(address) sent no statistics for \(shard)")
        }
        return statistics.decoded
    }

    /// The node's health answer.
    public func health() async throws -> Shardql_V1_HealthResult {
        var request = Shardql_V1_HealthRequest()
        request.protocolVersion = options.protocolVersion
        return try await call(about: []) {
            try await stub.health(request, metadata: metadata, options: callOptions)
        }
    }

    /// A health call with its own deadline: `true` serving, `false` draining.
    public func ping(timeout: Duration) async throws -> Bool {
        var request = Shardql_V1_HealthRequest()
        request.protocolVersion = options.protocolVersion
        var options = callOptions
        options.timeout = timeout
        let result = try await call(about: []) {
            try await stub.health(request, metadata: metadata, options: options)
        }
        return result.status != .draining
    }

    private func step(
        _ step: Shardql_V1_TransactionStep, _ transaction: TransactionID, on shard: ShardFileID,
        _ configure: (inout Shardql_V1_TransactionRequest) -> Void = { _ in }
    ) async throws -> Shardql_V1_TransactionResult {
        var request = Shardql_V1_TransactionRequest()
        request.protocolVersion = options.protocolVersion
        request.transaction = transaction.rawValue
        request.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        request.step = step
        configure(&request)
        return try await call(about: [shard]) { [request] in
            try await stub.transaction(request, metadata: metadata, options: callOptions)
        }
    }
}
