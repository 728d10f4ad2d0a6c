import Catalog
import Testing

@testable import Coordinator

/// `Cluster.rebalancePlan(for:)`: what moves where, on catalogs built by hand.
@Suite("rebalance plan")
struct RebalancePlanTests {
    static let local = NodeID(rawValue: 1)
    static let (a, b, c) = (NodeID(rawValue: 2), NodeID(rawValue: 3), NodeID(rawValue: 4))

    /// Nodes local, a, b, c (c in `cState`); a hash group of `shards` shard groups on a and b
    /// alternately, `replicas` copies each; a reference group on a and b.
    static func catalog(shards: Int, replicas: Int = 1, cState: Node.State = .active, bState: Node.State = .active)
        throws -> CatalogSnapshot
    {
        let hash = ColocationGroupID(rawValue: 5)
        let reference = ColocationGroupID(rawValue: 6)
        let step = UInt64.max / UInt64(shards)
        let shardGroups = (0..<shards).map { index in
            ShardGroup(
                id: ShardGroupID(group: hash, index: index),
                hashRange: UInt64(index) * step...(index == shards - 1 ? UInt64.max : UInt64(index + 1) * step - 1))
        }
        let holders = [a, b]
        let placements = shardGroups.flatMap { shard in
            (0..<replicas).map { copy in Placement(shardGroup: shard.id, node: holders[(shard.index + copy) % 2]) }
        }
        let referenceShard = ShardGroupID(group: reference, index: 0)
        return try CatalogSnapshot.empty.applying([
            .addNode(Node(id: local, address: Node.localAddress)),
            .addNode(Node(id: a, address: "a:1")),
            .addNode(Node(id: b, address: "b:1", state: bState)),
            .addNode(Node(id: c, address: "c:1", state: cState)),
            .createColocationGroup(
                ColocationGroup(id: hash, kind: .hash, shardCount: shards, distributionAffinity: .integer,
                                distributionCollation: .binary),
                shardGroups: shardGroups, placements: placements),
            .createColocationGroup(
                ColocationGroup(id: reference, kind: .reference, shardCount: 1),
                shardGroups: [ShardGroup(id: referenceShard, hashRange: 0...UInt64.max)],
                placements: [Placement(shardGroup: referenceShard, node: a), Placement(shardGroup: referenceShard, node: b)]),
        ])
    }

    static func load(_ plan: [ShardGroupCopy], on snapshot: CatalogSnapshot) -> [String: Int] {
        var load: [String: Int] = [:]
        for shard in snapshot.allShardGroups where snapshot.colocationGroups[shard.group]?.kind == .hash {
            for placement in snapshot.placements(of: shard.id) { load[snapshot.node(placement.node)!.address, default: 0] += 1 }
        }
        for copy in plan where copy.kind == .move {
            load[copy.source, default: 0] -= 1
            load[copy.target, default: 0] += 1
        }
        return load
    }

    @Test func aNewNodeGetsItsShareAndTheReferenceCopy() throws {
        let snapshot = try Self.catalog(shards: 6)
        let plan = Cluster.rebalancePlan(for: snapshot)
        #expect(plan.filter { $0.kind == .add }.map(\.target) == ["c:1"])
        #expect(plan.filter { $0.kind == .move }.count == 2)
        #expect(plan.filter { $0.kind == .move }.allSatisfy { $0.target == "c:1" })
        #expect(Self.load(plan, on: snapshot) == ["a:1": 2, "b:1": 2, "c:1": 2])
        // Balanced already: nothing.
        #expect(Cluster.rebalancePlan(for: try Self.catalog(shards: 6, cState: .draining)).isEmpty)
    }

    @Test func copiesOfOneShardNeverShareANode() throws {
        let snapshot = try Self.catalog(shards: 4, replicas: 2)
        let plan = Cluster.rebalancePlan(for: snapshot).filter { $0.kind == .move }
        #expect(Self.load(plan, on: snapshot).values.sorted() == [2, 3, 3])
        var holders = Dictionary(uniqueKeysWithValues: snapshot.allShardGroups.map { shard in
            (shard.id, Set(snapshot.placements(of: shard.id).map { snapshot.node($0.node)!.address }))
        })
        for move in plan {
            #expect(!holders[move.shardGroup]!.contains(move.target), "\(move)")
            holders[move.shardGroup]!.remove(move.source)
            holders[move.shardGroup]!.insert(move.target)
        }
    }

    @Test func aDrainingNodeIsEmptied() throws {
        let snapshot = try Self.catalog(shards: 6, bState: .draining)
        let plan = Cluster.rebalancePlan(for: snapshot)
        let load = Self.load(plan, on: snapshot)
        #expect(load["b:1"] == 0 && load["a:1"] == 3 && load["c:1"] == 3, "\(load)")
    }
}
