import Worker

extension ShardExecutor {
    /// Runs each shard's statements inside its write transaction, then commits on every shard —
    /// or, when any statement fails, rolls back on every shard it reached. Returns each shard's
    /// outcomes, in the order given.
    ///
    /// All or nothing against statement errors; against a crash between two commits it is not
    /// (two-phase commit arrives with the transactions issue).
    func writeAll(_ work: [(shard: ShardFileID, statements: [ShardStatement])]) async throws -> [[WriteOutcome]] {
        var touched: [ShardFileID] = []
        var outcomes: [[WriteOutcome]] = []
        do {
            for (shard, statements) in work {
                touched.append(shard)
                outcomes.append(try await write(statements, on: shard))
            }
            for shard in touched { try await finish(shard, commit: true) }
            return outcomes
        } catch {
            for shard in touched { try? await finish(shard, commit: false) }
            throw error
        }
    }
}
