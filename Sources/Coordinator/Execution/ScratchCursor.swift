import ShardQLBase
import Synchronization
import Worker

/// The general path's result, stepped a batch at a time on the coordinator's scratch database,
/// so a large answer (a join's, a window's) streams like a shard's instead of sitting in memory.
/// The scratch database is closed once the rows end or fail, or when the reader goes away.
final class ScratchCursor: Sendable {
    let columns: [String]
    private let scratch: ScratchDatabase
    private let slot: StatementSlot
    private let isOpen = Mutex(true)

    private init(columns: [String], scratch: ScratchDatabase, slot: StatementSlot) {
        self.columns = columns
        self.scratch = scratch
        self.slot = slot
    }

    /// Starts `sql` on `scratch`, which the cursor now owns (and closes, also on failure here).
    static func open(_ scratch: ScratchDatabase, running sql: String) async throws -> ScratchCursor {
        let slot = StatementSlot()
        do {
            return ScratchCursor(columns: try await scratch.start(sql, in: slot), scratch: scratch, slot: slot)
        } catch {
            await scratch.finish(slot)
            throw error
        }
    }

    /// The next batch; nil once the rows have ended.
    func next() async throws -> [[SQLValue]]? {
        guard isOpen.withLock({ $0 }) else { return nil }
        let batch: StatementSlot.Batch
        do {
            batch = try await scratch.nextBatch(from: slot)
        } catch {
            await close()
            throw error
        }
        if batch.isFinished { await close() }
        return batch.rows.isEmpty ? nil : batch.rows
    }

    func close() async {
        guard isOpen.withLock({ open in defer { open = false }; return open }) else { return }
        await scratch.finish(slot)
    }

    deinit {
        guard isOpen.withLock({ $0 }) else { return }
        let scratch = scratch
        let slot = slot
        Task { await scratch.finish(slot) }
    }
}
