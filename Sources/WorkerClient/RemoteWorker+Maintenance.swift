import Foundation
import GRPCCore
import ShardQLBase
import Worker
import WorkerProtocol

extension RemoteWorker: ShardMaintenance {
    /// Options for a file transfer: no deadline (a big file takes what it takes; cancelling the
    /// calling task ends it).
    private var transferOptions: CallOptions {
        var options = callOptions
        options.timeout = nil
        return options
    }

    /// Starts the copy on the node and returns once it reported the copy's state fixed; the bytes
    /// then arrive as the export is iterated (at most two chunks wait for the consumer).
    public func exportShard(_ shard: ShardFileID) async throws -> ShardFileExport {
        var request = Shardql_V1_ShardRequest()
        request.protocolVersion = options.protocolVersion
        request.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        let handoff = AsyncHandoff<Shardql_V1_FileChunk>(capacity: 2)
        let (stub, metadata, address, options) = (self.stub, self.metadata, self.address, self.transferOptions)
        let rpc = Task {
            do {
                try await stub.copyShard(request, metadata: metadata, options: options) { response in
                    for try await message in response.messages { try await handoff.send(message) }
                }
                handoff.finish()
            } catch {
                handoff.finish(throwing: WireErrors.shardQLError(error, node: address, shards: [shard.description]))
            }
        }
        let transfer = Transfer(rpc: rpc, handoff: handoff)
        guard let header = try await transfer.next() else {
            throw ShardQLError(.internalError, "worker \(address) ended the copy of \(shard) before it began")
        }
        return ShardFileExport.receiving(byteCount: Int64(header.totalBytes)) { try await transfer.next() }
    }

    public func installShard(_ shard: ShardFileID, from chunks: ShardFileExport) async throws -> Int64 {
        var first = Shardql_V1_FileChunk()
        first.protocolVersion = options.protocolVersion
        first.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        first.totalBytes = UInt64(max(0, chunks.byteCount))
        let header = first
        let result = try await call(about: [shard]) {
            try await stub.installShard(metadata: metadata, options: transferOptions) { writer in
                try await writer.write(header)
                try await chunks.send(to: writer)
            }
        }
        return result.position
    }

    public func controlShard(_ shard: ShardFileID, _ control: ShardControl) async throws -> Int64 {
        var request = Shardql_V1_ControlRequest()
        request.protocolVersion = options.protocolVersion
        request.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        request.control = Shardql_V1_ShardControl(control)
        return try await call(about: [shard]) {
            try await stub.controlShard(request, metadata: metadata, options: callOptions)
        }.position
    }

    public func changes(of shard: ShardFileID, after position: Int64, limit: Int) async throws -> [ShardChange] {
        var request = Shardql_V1_ChangesRequest()
        request.protocolVersion = options.protocolVersion
        request.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        request.after = position
        request.limit = UInt32(clamping: limit)
        return try await call(about: [shard]) {
            try await stub.shardChanges(request, metadata: metadata, options: callOptions)
        }.changes.map(\.shardChange)
    }

    public func applyChanges(_ changes: [ShardChange], to shard: ShardFileID) async throws -> Int64 {
        var request = Shardql_V1_ApplyChangesRequest()
        request.protocolVersion = options.protocolVersion
        request.shard = Shardql_V1_ShardRef(try shard.checkedForWire())
        request.changes = changes.map(Shardql_V1_Change.init)
        return try await call(about: [shard]) {
            try await stub.applyChanges(request, metadata: metadata, options: callOptions)
        }.position
    }
}

/// A running export's RPC and the chunks it hands over; dropping it cancels the RPC.
private final class Transfer: Sendable {
    let rpc: Task<Void, Never>
    let handoff: AsyncHandoff<Shardql_V1_FileChunk>

    init(rpc: Task<Void, Never>, handoff: AsyncHandoff<Shardql_V1_FileChunk>) {
        self.rpc = rpc
        self.handoff = handoff
    }

    func next() async throws -> Shardql_V1_FileChunk? { try await handoff.receive() }

    deinit {
        handoff.cancel()
        rpc.cancel()
    }
}
