import ShardQLBase
import Synchronization
import Worker

/// In-memory SQLite databases for final steps (``SplitAggregate``), reused across queries:
/// opening one (a dispatch queue and a connection) costs more than a small query's whole final
/// step. A database goes back only after a clean run, with its partial-rows table dropped.
final class FinalStepDatabases: Sendable {
    /// Partial rows buffered before they are appended to the coordinator table.
    static let chunkRows = 8192

    let capacity: Int
    private let idle = Mutex<[ScratchDatabase]>([])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Loads `rows` into a table made by `step.tableSQL`, runs `step.querySQL` over it.
    func run<Rows: AsyncSequence>(
        _ step: DistributedPlan.FinalStep, rows: Rows, sizeLimit: Int
    ) async throws -> RowSet where Rows.Element == [[SQLValue]] {
        let scratch = try await checkOut(sizeLimit: sizeLimit)
        do {
            // Partial rows are gathered into chunks: few groups cost one trip to the database's
            // queue in all, many groups stay within a bounded buffer.
            var pending: [[SQLValue]] = []
            var created = false
            for try await batch in rows {
                pending += batch
                guard pending.count >= Self.chunkRows else { continue }
                _ = try await scratch.load(
                    pending, into: SplitAggregate.partialTable, creatingWith: created ? nil : step.tableSQL, thenRun: nil)
                created = true
                pending.removeAll(keepingCapacity: true)
            }
            guard
                let result = try await scratch.load(
                    pending, into: SplitAggregate.partialTable, creatingWith: created ? nil : step.tableSQL,
                    thenRun: step.querySQL)
            else { throw ShardQLError(.internalError, "the final step returned no result") }
            await checkIn(scratch)
            return result
        } catch {
            await scratch.close()
            throw error
        }
    }

    /// Closes the idle databases.
    func close() async {
        let databases = idle.withLock { idle in
            defer { idle.removeAll() }
            return idle
        }
        for database in databases { await database.close() }
    }

    private func checkOut(sizeLimit: Int) async throws -> ScratchDatabase {
        // A database made under another size limit is closed, not reused.
        let (reusable, stale) = idle.withLock { idle -> (ScratchDatabase?, [ScratchDatabase]) in
            let stale = idle.filter { $0.sizeLimit != sizeLimit }
            idle.removeAll { $0.sizeLimit != sizeLimit }
            return (idle.popLast(), stale)
        }
        for database in stale { await database.close() }
        if let reusable { return reusable }
        return try await ScratchDatabase.open(sizeLimit: sizeLimit)
    }

    private func checkIn(_ scratch: ScratchDatabase) async {
        let kept = idle.withLock { idle in
            guard idle.count < capacity else { return false }
            idle.append(scratch)
            return true
        }
        if !kept { await scratch.close() }
    }
}
