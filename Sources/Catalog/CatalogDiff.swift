/// What changed between two snapshots, per stored record: a store writes only these rows.
///
/// Computing it from the snapshots before and after ``CatalogSnapshot/applying(_:)`` keeps the
/// stores free of per-change logic (cascades included): they persist state, not operations.
package struct CatalogDiff: Sendable {
    package var upsertedNodes: [Node] = []
    package var removedNodes: [NodeID] = []
    package var upsertedGroups: [ColocationGroup] = []
    package var removedGroups: [ColocationGroupID] = []
    /// Shard groups are written per co-location group: all of a group's, or none.
    package var upsertedShardGroups: [ColocationGroupID: [ShardGroup]] = [:]
    package var removedShardGroupsOf: [ColocationGroupID] = []
    /// Placements are written per shard group: all of a shard group's, or none.
    package var upsertedPlacements: [ShardGroupID: [Placement]] = [:]
    package var removedPlacementsOf: [ShardGroupID] = []
    /// A table is written with its columns.
    package var upsertedTables: [Table] = []
    package var removedTables: [TableID] = []
    package var upsertedViews: [View] = []
    package var removedViews: [String] = []
    package var upsertedIndexes: [Index] = []
    package var removedIndexes: [String] = []
    package var upsertedTriggers: [Trigger] = []
    package var removedTriggers: [String] = []

    package init(from old: CatalogSnapshot, to new: CatalogSnapshot) {
        (upsertedNodes, removedNodes) = Self.compare(old.nodes, new.nodes)
        (upsertedGroups, removedGroups) = Self.compare(old.colocationGroups, new.colocationGroups)
        upsertedShardGroups =
            old.shardGroupsByGroup == new.shardGroupsByGroup
            ? [:] : new.shardGroupsByGroup.filter { old.shardGroupsByGroup[$0.key] != $0.value }
        removedShardGroupsOf = old.shardGroupsByGroup.keys.filter { new.shardGroupsByGroup[$0] == nil }.sorted()
        upsertedPlacements = new.placementsByShardGroup.filter { old.placementsByShardGroup[$0.key] != $0.value }
        removedPlacementsOf = old.placementsByShardGroup.keys.filter { new.placementsByShardGroup[$0] == nil }.sorted()
        (upsertedTables, removedTables) = Self.compare(old.tables, new.tables)
        // Name-keyed objects are removed by their stored name, which may differ in case from the key.
        (upsertedViews, removedViews) = Self.compareNamed(old.viewsByKey, new.viewsByKey, name: \.name)
        (upsertedIndexes, removedIndexes) = Self.compareNamed(old.indexesByKey, new.indexesByKey, name: \.name)
        (upsertedTriggers, removedTriggers) = Self.compareNamed(old.triggersByKey, new.triggersByKey, name: \.name)
    }

    /// Values new or changed in `new`, keys gone from it; changed values are listed as upserts
    /// only (a store replaces the record).
    private static func compare<Key: Hashable & Comparable, Value: Equatable>(
        _ old: [Key: Value], _ new: [Key: Value]
    ) -> (upserted: [Value], removed: [Key]) {
        let upserted = new.filter { old[$0.key] != $0.value }.sorted { $0.key < $1.key }.map(\.value)
        let removed = old.keys.filter { new[$0] == nil }.sorted()
        return (upserted, removed)
    }

    private static func compareNamed<Value: Equatable>(
        _ old: [String: Value], _ new: [String: Value], name: KeyPath<Value, String>
    ) -> (upserted: [Value], removed: [String]) {
        let upserted = new.filter { old[$0.key] != $0.value }.sorted { $0.key < $1.key }.map(\.value)
        // A changed object is removed under its old name and inserted under its new one.
        let removed = old.filter { new[$0.key] != $0.value }.sorted { $0.key < $1.key }.map { $0.value[keyPath: name] }
        return (upserted, removed)
    }

    package var isEmpty: Bool {
        upsertedNodes.isEmpty && removedNodes.isEmpty && upsertedGroups.isEmpty && removedGroups.isEmpty
            && upsertedShardGroups.isEmpty && removedShardGroupsOf.isEmpty && upsertedPlacements.isEmpty
            && removedPlacementsOf.isEmpty && upsertedTables.isEmpty && removedTables.isEmpty
            && upsertedViews.isEmpty && removedViews.isEmpty && upsertedIndexes.isEmpty
            && removedIndexes.isEmpty && upsertedTriggers.isEmpty && removedTriggers.isEmpty
    }
}
