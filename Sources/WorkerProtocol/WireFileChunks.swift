import Foundation
import GRPCCore
import Worker

// A shard file on the wire (CopyShard, InstallShard): its bytes as FileChunk messages, in order,
// then one with `last` set. Both directions of both RPCs go through these two.

extension ShardFileExport {
    /// Writes the export's bytes as chunks, then the `last` marker.
    package func send(to writer: RPCWriter<Shardql_V1_FileChunk>) async throws {
        var offset: UInt64 = 0
        for try await bytes in self {
            var chunk = Shardql_V1_FileChunk()
            chunk.offset = offset
            chunk.data = Data(bytes)
            offset += UInt64(bytes.count)
            try await writer.write(chunk)
        }
        var last = Shardql_V1_FileChunk()
        last.offset = offset
        last.last = true
        try await writer.write(last)
    }

    /// The export of `byteCount` bytes whose chunks `next` returns (`nil` at the stream's end).
    package static func receiving(
        byteCount: Int64, _ next: @escaping @Sendable () async throws -> Shardql_V1_FileChunk?
    ) -> ShardFileExport {
        ShardFileExport(byteCount: byteCount) {
            while let chunk = try await next() {
                if !chunk.data.isEmpty { return Array(chunk.data) }
                if chunk.last { return nil }
            }
            return nil
        }
    }
}
