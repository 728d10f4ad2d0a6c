import Catalog
import ShardQLBase

/// Where a new co-location group's shard files go (issue #7): round-robin over the active remote
/// nodes, by shard index, so a group's shards spread over the cluster. Pure: no I/O.
///
/// - With no active remote node (an embedded cluster, or every registered node draining or dead)
///   every shard file stays on the in-process worker, as before nodes existed.
/// - Otherwise the active remote nodes are taken in ID (registration) order, and shard *i* of the
///   group goes to node `(start + i) mod n`, where `start` is the number of placements those
///   nodes already hold: each new group continues the rotation where the previous one stopped,
///   so groups of any shard count even out over the nodes.
/// - Placement is per shard *file*: co-located tables share each shard file, so every table of a
///   group has its shard *i* on the same node and a co-located join stays one SQLite join.
/// - With `replicas` r > 1 each shard group gets r placements on r distinct nodes: shard *i*'s
///   copies go to nodes `(start + i + k) mod n` for k in 0..<r, so copies spread like single
///   ones do and no node holds two copies of one shard. (No copy is a primary: writes go to all,
///   the lowest node ID first — ``PlacementExecutor``.)
/// - A reference group (one shard file holding every reference table) gets a copy on every
///   active remote node, so a fragment on any node can attach it (DESIGN: "copied to every
///   worker"). A node added later holds no copy until the reference group is repaired onto it.
enum PlaceShardGroups {
    /// The placements of a new group's `shardGroups` (by index): `replicas` each, or one per
    /// active remote node for a reference group.
    static func placements(
        for shardGroups: [ShardGroup], kind: ColocationGroup.Kind, replicas: Int, in snapshot: CatalogSnapshot,
        localNode: NodeID
    ) throws -> [Placement] {
        let nodes = activeRemoteNodes(in: snapshot)
        guard !nodes.isEmpty else {
            guard replicas == 1 || kind == .reference else {
                throw ShardQLError(
                    .unsupported,
                    "REPLICAS \(replicas) needs \(replicas) active worker nodes; this cluster has none (the embedded cluster keeps one copy): add nodes with `shardql node add`")
            }
            return shardGroups.map { Placement(shardGroup: $0.id, node: localNode) }
        }
        let copies = kind == .reference ? nodes.count : replicas
        guard copies <= nodes.count else {
            throw ShardQLError(
                .unsupported,
                "REPLICAS \(replicas) needs \(replicas) active worker nodes; this cluster has \(nodes.count)")
        }
        let held = nodes.reduce(0) { $0 + snapshot.placements(on: $1).count }
        let start = held % nodes.count
        return shardGroups.flatMap { shard in
            (0..<copies).map { copy in
                Placement(shardGroup: shard.id, node: nodes[(start + shard.index + copy) % nodes.count])
            }
        }
    }

    /// Nodes that take new shard files: remote (not the in-process worker) and active, by ID.
    static func activeRemoteNodes(in snapshot: CatalogSnapshot) -> [NodeID] {
        snapshot.nodes.values
            .filter { $0.address != Node.localAddress && $0.state == .active }
            .map(\.id).sorted()
    }
}
