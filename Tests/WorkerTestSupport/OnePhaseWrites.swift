import Foundation
import Worker

/// The one-phase write most worker tests need, on any ShardExecutor (in-process or remote):
/// statements in a transaction of their own, then commit or roll back.
extension ShardExecutor {
    package static var testTransaction: TransactionID { TransactionID("worker-tests") }

    package func write(_ statements: [ShardStatement], on shard: ShardFileID) async throws -> [WriteOutcome] {
        try await write(statements, on: shard, in: Self.testTransaction, recording: false)
    }

    package func finish(_ shard: ShardFileID, commit: Bool) async throws {
        if commit {
            try await self.commit(Self.testTransaction, on: shard)
        } else {
            try await abort(Self.testTransaction, on: shard)
        }
    }

    /// Creates `shard` with `t(a INTEGER PRIMARY KEY, b TEXT)` holding rows 1…`count`.
    package func makeShard(_ shard: ShardFileID, rows count: Int) async throws {
        try await createShard(shard)
        _ = try await write(
            [
                ShardStatement("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)"),
                ShardStatement(
                    """
                    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
                    INSERT INTO t SELECT x, 'row ' || x FROM c
                    """, parameters: [.integer(Int64(count))]),
            ], on: shard)
        try await finish(shard, commit: true)
    }
}

/// Runs `body` with a worker in a fresh directory, closing the worker and removing the directory
/// whatever happens.
package func withTemporaryWorker(
    busyTimeout: Duration = .seconds(5), _ body: (LocalWorker, String) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("worker-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let worker = try LocalWorker(directory: directory + "/shards", busyTimeout: busyTimeout)
    do {
        try await body(worker, directory + "/shards")
    } catch {
        await worker.close()
        throw error
    }
    await worker.close()
}
