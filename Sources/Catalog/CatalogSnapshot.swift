/// The whole catalog at one version: an immutable value that planners read without locks.
///
/// A coordinator keeps the latest snapshot and replaces it after each
/// ``CatalogStore/apply(_:expectedVersion:)``; two snapshots with the same ``version`` from the
/// same catalog are equal. Key counters (``CatalogStore/allocateKeys(table:count:)``) are not
/// part of it.
///
/// ```swift
/// let snapshot = try await store.snapshot()
/// if let orders = snapshot.table(named: "ORDERS") {
///     for shard in snapshot.shardGroups(of: orders) {
///         print(shard.index, shard.hashRange, snapshot.placements(of: shard.id).map(\.node))
///     }
/// }
/// ```
public struct CatalogSnapshot: Hashable, Sendable {
    /// Counts applied change lists: one more after each ``CatalogStore/apply(_:expectedVersion:)``.
    public internal(set) var version: Int64
    /// The smallest ID not yet handed out to a node, co-location group or table.
    public internal(set) var nextID: Int64

    /// Every node, by ID.
    public internal(set) var nodes: [NodeID: Node]
    /// Every co-location group, by ID.
    public internal(set) var colocationGroups: [ColocationGroupID: ColocationGroup]
    /// Every table, by ID.
    public internal(set) var tables: [TableID: Table]

    /// Each group's shard groups, sorted by index.
    var shardGroupsByGroup: [ColocationGroupID: [ShardGroup]]
    /// Each shard group's placements, sorted by node.
    var placementsByShardGroup: [ShardGroupID: [Placement]]
    /// Tables, views and indexes share SQLite's namespace; triggers have their own.
    var tableIDsByKey: [String: TableID]
    var viewsByKey: [String: View]
    var indexesByKey: [String: Index]
    var triggersByKey: [String: Trigger]

    /// The catalog before anything was created: version 0, first ID 1.
    public static let empty = CatalogSnapshot(
        version: 0, nextID: 1, nodes: [], colocationGroups: [], shardGroups: [], placements: [],
        tables: [], views: [], indexes: [], triggers: [])

    /// Builds a snapshot from stored rows (for ``CatalogStore`` implementations); it trusts them
    /// to be consistent, as ``applying(_:)`` left them.
    package init(
        version: Int64,
        nextID: Int64,
        nodes: [Node],
        colocationGroups: [ColocationGroup],
        shardGroups: [ShardGroup],
        placements: [Placement],
        tables: [Table],
        views: [View],
        indexes: [Index],
        triggers: [Trigger]
    ) {
        self.version = version
        self.nextID = nextID
        self.nodes = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        self.colocationGroups = Dictionary(uniqueKeysWithValues: colocationGroups.map { ($0.id, $0) })
        self.tables = Dictionary(uniqueKeysWithValues: tables.map { ($0.id, $0) })
        self.shardGroupsByGroup = Dictionary(grouping: shardGroups, by: \.group)
            .mapValues { $0.sorted { $0.index < $1.index } }
        self.placementsByShardGroup = Dictionary(grouping: placements, by: \.shardGroup)
            .mapValues { $0.sorted { $0.node < $1.node } }
        self.tableIDsByKey = Dictionary(uniqueKeysWithValues: tables.map { (CatalogName.key($0.name), $0.id) })
        self.viewsByKey = Dictionary(uniqueKeysWithValues: views.map { (CatalogName.key($0.name), $0) })
        self.indexesByKey = Dictionary(uniqueKeysWithValues: indexes.map { (CatalogName.key($0.name), $0) })
        self.triggersByKey = Dictionary(uniqueKeysWithValues: triggers.map { (CatalogName.key($0.name), $0) })
    }

    // MARK: Nodes

    /// The node with this ID.
    public func node(_ id: NodeID) -> Node? { nodes[id] }

    /// The node with this address (`"local"` for the in-process worker).
    public func node(address: String) -> Node? { nodes.values.first { $0.address == address } }

    // MARK: Tables

    /// The table with this ID.
    public func table(_ id: TableID) -> Table? { tables[id] }

    /// The table with this name, compared like SQLite compares names (ASCII case-insensitive).
    public func table(named name: String) -> Table? {
        tableIDsByKey[CatalogName.key(name)].flatMap { tables[$0] }
    }

    /// The columns of a table in order; empty for an unknown table.
    public func columns(of table: TableID) -> [Column] { tables[table]?.columns ?? [] }

    /// The tables of a co-location group, by ID.
    public func tables(in group: ColocationGroupID) -> [Table] {
        tables.values.filter { $0.colocationGroup == group }.sorted { $0.id < $1.id }
    }

    // MARK: Shards

    /// The shard groups of a co-location group, by index.
    public func shardGroups(of group: ColocationGroupID) -> [ShardGroup] { shardGroupsByGroup[group] ?? [] }

    /// The shard groups of a table's co-location group, by index.
    public func shardGroups(of table: Table) -> [ShardGroup] { shardGroups(of: table.colocationGroup) }

    /// Every shard group of every co-location group, by group and index.
    public var allShardGroups: [ShardGroup] {
        shardGroupsByGroup.values.flatMap { $0 }.sorted { $0.id < $1.id }
    }

    /// The placements of a shard group, by node.
    public func placements(of shardGroup: ShardGroupID) -> [Placement] { placementsByShardGroup[shardGroup] ?? [] }

    /// This snapshot with nodes' last contact raised to `lastAnswers` where those are later
    /// (``CatalogStore/recordContact(_:)``, which changes no version, keeps cached snapshots true).
    public func raisingLastContact(_ lastAnswers: [NodeID: Int64]) -> CatalogSnapshot {
        var raised = self
        for (id, time) in lastAnswers where (raised.nodes[id]?.lastHeartbeat ?? .min) < time {
            raised.nodes[id]?.lastHeartbeat = time
        }
        return raised
    }

    /// The copies of a shard group that reads and writes use: its active placements; every
    /// placement when none is active (a group whose copies all missed something is still read
    /// rather than lost).
    public func usablePlacements(of shardGroup: ShardGroupID) -> [Placement] {
        let placements = placements(of: shardGroup)
        let active = placements.filter { $0.state == .active }
        return active.isEmpty ? placements : active
    }

    /// How many copies each shard group of `group` has: its shard 0's placements, in any state
    /// (0 for a group the snapshot does not hold).
    public func replicationFactor(of group: ColocationGroupID) -> Int {
        placements(of: ShardGroupID(group: group, index: 0)).count
    }

    /// The placements on a node, by shard group.
    public func placements(on node: NodeID) -> [Placement] {
        placementsByShardGroup.values.flatMap { $0 }.filter { $0.node == node }.sorted { $0.shardGroup < $1.shardGroup }
    }

    // MARK: Views, indexes, triggers

    /// Every view, by name.
    public var views: [View] { viewsByKey.sorted { $0.key < $1.key }.map(\.value) }
    /// Every index, by name.
    public var indexes: [Index] { indexesByKey.sorted { $0.key < $1.key }.map(\.value) }
    /// Every trigger, by name.
    public var triggers: [Trigger] { triggersByKey.sorted { $0.key < $1.key }.map(\.value) }

    /// The view with this name (ASCII case-insensitive).
    public func view(named name: String) -> View? { viewsByKey[CatalogName.key(name)] }
    /// The index with this name (ASCII case-insensitive).
    public func index(named name: String) -> Index? { indexesByKey[CatalogName.key(name)] }
    /// The trigger with this name (ASCII case-insensitive).
    public func trigger(named name: String) -> Trigger? { triggersByKey[CatalogName.key(name)] }

    /// The indexes on a table, by name.
    public func indexes(on table: TableID) -> [Index] { indexes.filter { $0.table == table } }
    /// The triggers on a table, by name.
    public func triggers(on table: TableID) -> [Trigger] { triggers.filter { $0.table == table } }
}
