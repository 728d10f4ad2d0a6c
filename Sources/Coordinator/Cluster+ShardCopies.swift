import Catalog
import Synchronization
import ShardQLBase
import Worker

/// A step of copying a shard group's file to another node, for progress displays.
public struct ShardCopyProgress: Sendable, Hashable {
    public enum Phase: Sendable, Hashable {
        /// The file's consistent copy is on its way: bytes sent of the total.
        case copying(bytes: Int64, of: Int64)
        /// Replaying the writes made since: the copy's log position and the last read from the source.
        case catchingUp(position: Int64, of: Int64)
        /// Writes wait while the last changes are replayed and the catalog switches.
        case switching
        case done
    }

    /// The shard file being copied, like `g3-s1.sqlite`.
    public var file: String
    /// The node it is copied from, and the node it is copied to.
    public var source: String
    public var target: String
    public var phase: Phase
}

extension Cluster {
    /// Changes a copy's catch-up batch holds at most.
    static let catchUpBatch = 1000
    /// Catch-up rounds before the fence at most.
    static let catchUpRounds = 100
    /// How long a source stays fenced after the catalog switched before it serves again (a repair)
    /// or is deleted (a move), so every coordinator's next call to it, refused meanwhile, reads the
    /// new placements.
    static let switchGrace: Duration = .seconds(1)

    /// Copies `shardGroup`'s file from `source` to `target` while it takes reads and writes: a
    /// consistent copy (SQLite's backup API, streamed), then the writes committed meanwhile from
    /// the source's change log, in rounds, until a write fence lets the last ones be replayed and
    /// the catalog switches the placements in one transaction: the target's becomes active, and
    /// `replacing`'s (a move: the source's, or another copy's whose node is gone) is removed.
    /// The target's placement must be in the catalog already: `moving` (a new copy) or
    /// `inactive` (a repair).
    ///
    /// Any failure before the switch undoes the copy: the source takes writes again, the target's
    /// file is dropped, and a `moving` placement is removed.
    func copyShardGroup(
        _ shardGroup: ShardGroupID, from source: Node, to target: Node, replacing replaced: Node?,
        progress: @escaping @Sendable (ShardCopyProgress) -> Void
    ) async throws {
        let file = ShardFileID(group: shardGroup.group.rawValue, index: shardGroup.index)
        let from = try await executor.maintenance(at: source.address)
        let to = try await executor.maintenance(at: target.address)
        let report = { @Sendable (phase: ShardCopyProgress.Phase) in
            progress(ShardCopyProgress(file: file.fileName, source: source.address, target: target.address, phase: phase))
        }
        do {
            try await from.controlShard(file, .startChangeLog)
            let export = try await from.exportShard(file)
            let sent = ByteCounter()
            var position = try await to.installShard(
                file, from: export.observing { report(.copying(bytes: sent.add($0), of: export.byteCount)) })
            // Rounds until a round finds little left (the fence then waits only for that), or
            // enough rounds that the writes outpace them: the fence then holds them back.
            for _ in 0..<Self.catchUpRounds {
                let changes = try await from.changes(of: file, after: position, limit: Self.catchUpBatch)
                position = try await to.applyChanges(changes, to: file)
                report(.catchingUp(position: position, of: changes.last?.position ?? position))
                if changes.count < Self.catchUpBatch / 10 { break }
            }
            report(.switching)
            // A lease: a coordinator dying from here on does not stop the file's writes for good.
            var last = try await from.controlShard(file, .fenceWrites)
            while true {
                while position < last {
                    let changes = try await from.changes(of: file, after: position, limit: Self.catchUpBatch)
                    guard !changes.isEmpty else {
                        throw ShardQLError(.internalError, "\(file)'s change log ends at \(position), before \(last)")
                    }
                    position = try await to.applyChanges(changes, to: file)
                }
                // Renewed just before the switch, and nothing slipped in: a lease that ran out
                // during a long catch-up would have let writes in.
                let renewed = try await from.controlShard(file, .fenceWrites)
                if renewed == last { break }
                last = renewed
            }
            try await to.controlShard(file, .finishCopy)
            FaultInjection.reach("copy.fenced")
            let changes: [CatalogChange] =
                [.setPlacementState(shardGroup, node: target.id, .active)]
                + (replaced.map { [.removePlacement(shardGroup, node: $0.id)] } ?? [])
            adopt(try await store.apply(changes))
        } catch {
            await undoCopy(file, shardGroup, from: from, to: to, target: target)
            throw error
        }
        FaultInjection.reach("copy.switched")
        if let replaced {
            // For good now: calls still routed to the old copy learn it moved.
            let old = try? await executor.maintenance(at: replaced.address)
            try? await old?.controlShard(file, .retire)
            try? await Task.sleep(for: Self.switchGrace)
            try? await old?.dropShard(file)
        } else {
            // The grace lets coordinators refused meanwhile find the new placement.
            try? await Task.sleep(for: Self.switchGrace)
        }
        if replaced?.id != source.id {
            try? await from.controlShard(file, .unfence)
            try? await from.controlShard(file, .stopChangeLog)
        }
        report(.done)
    }

    /// Undoes a copy that did not switch: the source takes writes again without its log, the
    /// target's file goes, and so does a `moving` placement (an `inactive` one stays, for repair).
    private func undoCopy(
        _ file: ShardFileID, _ shardGroup: ShardGroupID, from: any ShardExecutor & ShardMaintenance,
        to: any ShardExecutor & ShardMaintenance, target: Node
    ) async {
        try? await from.controlShard(file, .unfence)
        try? await from.controlShard(file, .stopChangeLog)
        try? await to.dropShard(file)
        if let snapshot = try? await store.snapshot(),
            snapshot.placements(of: shardGroup).contains(where: { $0.node == target.id && $0.state == .moving })
        {
            if let updated = try? await store.apply([.removePlacement(shardGroup, node: target.id)]) { adopt(updated) }
        }
    }
}

/// Counts bytes from concurrent callbacks.
private final class ByteCounter: Sendable {
    private let total = Mutex<Int64>(0)

    func add(_ bytes: Int) -> Int64 {
        total.withLock { total in
            total += Int64(bytes)
            return total
        }
    }
}
