import Foundation
import ShardQLBase
import Testing
import WorkerTestSupport

@testable import Worker

@Suite("LocalWorker")
struct LocalWorkerTests {
    let shard = ShardFileID(group: 1, index: 0)

    @Test func writesCommitOrRollBackAsAUnit() async throws {
        try await withTemporaryWorker { worker, _ in
            try await worker.createShard(shard)
            _ = try await worker.write([ShardStatement("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")], on: shard)
            try await worker.finish(shard, commit: true)

            let outcomes = try await worker.write(
                [ShardStatement("INSERT INTO t VALUES (?, ?) RETURNING a", parameters: [.integer(7), .text("x")])], on: shard)
            #expect(outcomes[0].changes == 1 && outcomes[0].lastInsertRowID == 7)
            #expect(outcomes[0].returned.rows == [[.integer(7)]])
            // Readers see the committed state only.
            #expect(try await worker.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(0)]])
            try await worker.finish(shard, commit: false)
            #expect(try await worker.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(0)]])

            _ = try await worker.write([ShardStatement("INSERT INTO t VALUES (1, 'y')")], on: shard)
            try await worker.finish(shard, commit: true)
            #expect(try await worker.query("SELECT a, b FROM t", parameters: [], on: shard).rows == [[.integer(1), .text("y")]])
        }
    }

    @Test func filesCarryAFormatVersion() async throws {
        try await withTemporaryWorker { worker, directory in
            try await worker.createShard(shard)
            await #expect(throws: ShardQLError.self) { try await worker.createShard(shard) }
            await worker.close()
            // A file that is not a shard file is refused.
            let other = ShardFileID(group: 2, index: 0)
            FileManager.default.createFile(atPath: directory + "/" + other.fileName, contents: Data())
            let reopened = try LocalWorker(directory: directory)
            await #expect(throws: ShardQLError.self) {
                _ = try await reopened.query("SELECT 1", parameters: [], on: other)
            }
            // The real one opens again.
            #expect(try await reopened.query("SELECT 1", parameters: [], on: shard).rows == [[.integer(1)]])
            await reopened.close()
        }
    }

    @Test func droppingRemovesTheFile() async throws {
        try await withTemporaryWorker { worker, directory in
            try await worker.createShard(shard)
            try await worker.dropShard(shard)
            #expect(!FileManager.default.fileExists(atPath: directory + "/" + shard.fileName))
            await #expect(throws: ShardQLError.self) {
                _ = try await worker.query("SELECT 1", parameters: [], on: shard)
            }
            try await worker.dropShard(shard)  // idempotent
        }
    }
}
