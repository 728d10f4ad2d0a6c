import Catalog
import ShardQLBase
import Worker

/// One shard group's file to copy from a node to another (``Cluster/rebalancePlan()``,
/// ``Cluster/repairPlan()``).
public struct ShardGroupCopy: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The copy replaces the source's: the file moves.
        case move
        /// A reference group's copy for a node that has none.
        case add
        /// An inactive copy (it missed writes) is made current again.
        case repair
    }

    public var kind: Kind
    public var shardGroup: ShardGroupID
    /// The tables whose rows the file holds.
    public var tables: [String]
    public var source: String
    public var target: String

    /// The shard file, like `g3-s1.sqlite`.
    public var file: String { ShardFileID(group: shardGroup.group.rawValue, index: shardGroup.index).fileName }

    public var description: String {
        "\(kind.rawValue) \(file) (\(tables.isEmpty ? "no table" : tables.joined(separator: ", "))) \(source) -> \(target)"
    }
}

extension Cluster {
    /// The moves that spread the shard files of hash-distributed tables evenly (by count) over
    /// the active worker nodes, and the copies that give every active node its copy of each
    /// reference table; files on draining nodes move off them. Copies of one shard group never
    /// share a node. The in-process worker takes no part: its files stay (other processes using
    /// the same data directory write them without this coordinator's copy bookkeeping).
    public func rebalancePlan() async throws -> [ShardGroupCopy] {
        Self.rebalancePlan(for: try await store.snapshot())
    }

    static func rebalancePlan(for snapshot: CatalogSnapshot) -> [ShardGroupCopy] {
        let eligible = PlaceShardGroups.activeRemoteNodes(in: snapshot)
        guard !eligible.isEmpty else { return [] }
        var plan: [ShardGroupCopy] = []
        func copy(_ kind: ShardGroupCopy.Kind, _ shardGroup: ShardGroupID, from: NodeID, to: NodeID) -> ShardGroupCopy {
            ShardGroupCopy(
                kind: kind, shardGroup: shardGroup, tables: snapshot.tables(in: shardGroup.group).map(\.name).sorted(),
                source: snapshot.node(from)!.address, target: snapshot.node(to)!.address)
        }
        // Where each hash shard group's copies are, and how many files each node holds.
        var holders: [ShardGroupID: Set<NodeID>] = [:]
        var load = Dictionary(uniqueKeysWithValues: eligible.map { ($0, 0) })
        var movable: [(shardGroup: ShardGroupID, node: NodeID)] = []
        for shardGroup in snapshot.allShardGroups {
            let placements = snapshot.placements(of: shardGroup.id)
            guard snapshot.colocationGroups[shardGroup.group]?.kind == .hash else {
                // Reference groups: every eligible node needs a copy, taken from an active one.
                guard let source = placements.first(where: { $0.state == .active && snapshot.node($0.node)?.address != Node.localAddress })
                else { continue }
                let held = Set(placements.map(\.node))
                for node in eligible where !held.contains(node) {
                    plan.append(copy(.add, shardGroup.id, from: source.node, to: node))
                }
                continue
            }
            holders[shardGroup.id] = Set(placements.map(\.node))
            for placement in placements where snapshot.node(placement.node)?.address != Node.localAddress {
                if load[placement.node] != nil { load[placement.node]! += 1 }
                if placement.state == .active { movable.append((shardGroup.id, placement.node)) }
            }
        }
        func leastLoaded(without shardGroup: ShardGroupID) -> NodeID? {
            eligible.filter { !holders[shardGroup, default: []].contains($0) }.min { (load[$0]!, $0) < (load[$1]!, $1) }
        }
        func move(_ shardGroup: ShardGroupID, from: NodeID, to: NodeID) {
            plan.append(copy(.move, shardGroup, from: from, to: to))
            holders[shardGroup]!.remove(from)
            holders[shardGroup]!.insert(to)
            if load[from] != nil { load[from]! -= 1 }
            load[to]! += 1
            movable.removeAll { $0.shardGroup == shardGroup && $0.node == from }
        }
        // Off draining (and dead) remote nodes first.
        for (shardGroup, node) in movable where load[node] == nil {
            if let target = leastLoaded(without: shardGroup) { move(shardGroup, from: node, to: target) }
        }
        // Then from the fullest node to the emptiest while they differ by more than one file.
        while true {
            let byLoad = eligible.sorted { (load[$0]!, $0) < (load[$1]!, $1) }
            guard let emptiest = byLoad.first, let fullest = byLoad.last, load[fullest]! - load[emptiest]! > 1,
                let candidate = movable.last(where: { $0.node == fullest && !holders[$0.shardGroup]!.contains(emptiest) })
            else { break }
            move(candidate.shardGroup, from: fullest, to: emptiest)
        }
        return plan
    }

    /// The inactive copies (they missed a write), each with an active copy to repair it from.
    public func repairPlan() async throws -> [ShardGroupCopy] {
        let snapshot = try await store.snapshot()
        return snapshot.allShardGroups.flatMap { shardGroup -> [ShardGroupCopy] in
            let placements = snapshot.placements(of: shardGroup.id)
            guard let source = placements.first(where: { $0.state == .active }) else { return [] }
            return placements.filter { $0.state == .inactive }.map { placement in
                ShardGroupCopy(
                    kind: .repair, shardGroup: shardGroup.id,
                    tables: snapshot.tables(in: shardGroup.group).map(\.name).sorted(),
                    source: snapshot.node(source.node)!.address, target: snapshot.node(placement.node)!.address)
            }
        }
    }

    /// Carries out `plan` (``rebalancePlan()`` or ``repairPlan()``) one copy at a time, online:
    /// see ``copyShardGroup(_:from:to:replacing:progress:)``. Copies interrupted earlier (a crashed
    /// coordinator) are rolled back first. A copy whose placements changed since the plan was
    /// made is skipped.
    ///
    /// - Returns: the copies made.
    @discardableResult
    public func run(
        _ plan: [ShardGroupCopy], progress: @escaping @Sendable (ShardCopyProgress) -> Void = { _ in }
    ) async throws -> [ShardGroupCopy] {
        try await rollBackInterruptedCopies()
        var done: [ShardGroupCopy] = []
        for item in plan {
            if try await copy(item, progress: progress) { done.append(item) }
        }
        return done
    }

    /// Makes one copy of a plan; false when the placements changed since the plan was made or no
    /// active copy is left to copy from. When the source's node stops answering during the copy,
    /// the copy starts again from another active copy of the group (a move then replaces the
    /// dead node's copy).
    private func copy(_ item: ShardGroupCopy, progress: @escaping @Sendable (ShardCopyProgress) -> Void) async throws
        -> Bool
    {
        let snapshot = try await store.snapshot()
        let placements = snapshot.placements(of: item.shardGroup)
        guard let source = snapshot.node(address: item.source), let target = snapshot.node(address: item.target),
            let held = placements.first(where: { $0.node == source.id }), held.state != .moving
        else { return false }
        let existing = placements.first { $0.node == target.id }
        switch item.kind {
        case .move, .add: guard existing == nil else { return false }
        case .repair: guard existing?.state == .inactive else { return false }
        }
        let others = placements.filter { $0.state == .active && $0.node != source.id && $0.node != target.id }
            .compactMap { snapshot.node($0.node) }
        // A move replaces the source's copy even when it missed writes (its node died): the data
        // then comes from an active copy.
        let sources = (held.state == .active ? [source] : []) + others
        for (attempt, from) in sources.enumerated() {
            if item.kind != .repair {
                adopt(try await store.apply([.addPlacement(Placement(shardGroup: item.shardGroup, node: target.id, state: .moving))]))
            }
            do {
                try await copyShardGroup(
                    item.shardGroup, from: from, to: target, replacing: item.kind == .move ? source : nil, progress: progress)
                return true
            } catch where PlacementExecutor.isUnreachable(error) && attempt + 1 < sources.count {
                continue
            }
        }
        return false
    }

    /// Rolls back copies a coordinator left half done (it crashed or was killed): each `moving`
    /// placement is removed with its file, and the other copies of its group, and those of a
    /// group with an inactive copy, take writes again without a change log (a retired source
    /// whose move never switched serves again). Run it only while no copy is under way (the
    /// `shardql rebalance`, `shard repair` and `recover` commands do).
    ///
    /// - Returns: how many `moving` placements were removed.
    @discardableResult
    public func rollBackInterruptedCopies() async throws -> Int {
        let snapshot = try await store.snapshot()
        var removed = 0
        for shardGroup in snapshot.allShardGroups {
            let placements = snapshot.placements(of: shardGroup.id)
            guard placements.contains(where: { $0.state != .active }) else { continue }
            let file = ShardFileID(group: shardGroup.group.rawValue, index: shardGroup.index)
            for placement in placements {
                guard let node = snapshot.node(placement.node),
                    let worker = try? await executor.maintenance(at: node.address)
                else { continue }
                switch placement.state {
                case .moving:
                    try? await worker.dropShard(file)
                    adopt(try await store.apply([.removePlacement(shardGroup.id, node: placement.node)]))
                    removed += 1
                case .active:
                    try? await worker.controlShard(file, .unfence)
                    try? await worker.controlShard(file, .stopChangeLog)
                case .inactive:
                    break
                }
            }
        }
        return removed
    }
}
