import Catalog

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
/// - A reference group (one shard file holding every reference table) is placed like any group:
///   on one node. A query joining it with shards on other nodes runs on the general path
///   (``PlanSelect``); per-node copies come with replicas (#11), for which the catalog already
///   keeps a placement list per shard group.
enum PlaceShardGroups {
    /// One active placement for each of `shardGroups` (a new group's, by index).
    static func placements(
        for shardGroups: [ShardGroup], in snapshot: CatalogSnapshot, localNode: NodeID
    ) -> [Placement] {
        let nodes = activeRemoteNodes(in: snapshot)
        guard !nodes.isEmpty else {
            return shardGroups.map { Placement(shardGroup: $0.id, node: localNode) }
        }
        let held = nodes.reduce(0) { $0 + snapshot.placements(on: $1).count }
        let start = held % nodes.count
        return shardGroups.map { shard in
            Placement(shardGroup: shard.id, node: nodes[(start + shard.index) % nodes.count])
        }
    }

    /// Nodes that take new shard files: remote (not the in-process worker) and active, by ID.
    static func activeRemoteNodes(in snapshot: CatalogSnapshot) -> [NodeID] {
        snapshot.nodes.values
            .filter { $0.address != Node.localAddress && $0.state == .active }
            .map(\.id).sorted()
    }
}
