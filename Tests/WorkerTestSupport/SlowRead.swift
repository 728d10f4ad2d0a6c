import ShardQLBase
import Synchronization
import Worker

/// A read whose first row comes at once and whose second only after counting to a billion: a
/// statement surely still running when a test cancels its reader or kills its worker.
package let slowSecondRowRead = ShardRead(
    """
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)
    SELECT x FROM c WHERE x = 1 OR x = 1000000000
    """)

extension ShardExecutor {
    /// Starts a task reading ``slowSecondRowRead`` on `shard` in one-row batches (its value: the
    /// rows it read) and waits up to 10 s for its first batch.
    ///
    /// - Returns: the task, and whether its first batch came.
    package func startSlowRead(on shard: ShardFileID) async throws -> (consumer: Task<Int, any Error>, started: Bool) {
        let firstBatch = FirstBatch()
        let consumer = Task {
            var rows = 0
            for try await batch in try await read(slowSecondRowRead, on: shard, batchRows: 1) {
                rows += batch.count
                firstBatch.arrived()
            }
            return rows
        }
        for _ in 0..<1000 where !firstBatch.hasArrived {
            try await Task.sleep(for: .milliseconds(10))
        }
        return (consumer, firstBatch.hasArrived)
    }
}

private final class FirstBatch: Sendable {
    private let value = Atomic(false)
    func arrived() { value.store(true, ordering: .releasing) }
    var hasArrived: Bool { value.load(ordering: .acquiring) }
}
