import Worker

/// The one-phase write most worker tests need: statements in a transaction of their own, then
/// commit or roll back.
extension LocalWorker {
    static let testTransaction = TransactionID("worker-tests")

    func write(_ statements: [ShardStatement], on shard: ShardFileID) async throws -> [WriteOutcome] {
        try await write(statements, on: shard, in: Self.testTransaction, recording: false)
    }

    func finish(_ shard: ShardFileID, commit: Bool) async throws {
        if commit {
            try await self.commit(Self.testTransaction, on: shard)
        } else {
            try await abort(Self.testTransaction, on: shard)
        }
    }
}
