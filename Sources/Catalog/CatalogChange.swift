/// One edit of the catalog. A list of them is applied atomically by
/// ``CatalogStore/apply(_:expectedVersion:)``: all or none.
///
/// New objects carry IDs the caller takes from ``CatalogSnapshot/nextID`` (see
/// ``CatalogIDAllocator``), so a list can create a co-location group and a table in it at once.
/// SQL texts that mention a renamed object (an index after `.renameTable`) are updated by dropping
/// and re-creating the object in the same list.
///
/// ```swift
/// var ids = CatalogIDAllocator(snapshot)
/// let group = ids.colocationGroupID()
/// let updated = try await store.apply([
///     .createColocationGroup(ColocationGroup(id: group, kind: .hash, shardCount: 4, …),
///                            shardGroups: …, placements: …),
///     .createTable(Table(id: ids.tableID(), name: "orders", …, colocationGroup: group, …)),
/// ], expectedVersion: snapshot.version)
/// ```
public enum CatalogChange: Hashable, Sendable {
    // MARK: Nodes

    /// Adds a node; its ID and address must be new.
    case addNode(Node)
    /// Removes a node that holds no placements.
    case removeNode(NodeID)
    /// Marks a node active, draining or dead.
    case setNodeState(NodeID, Node.State)
    /// Records a successful health check (milliseconds since the Unix epoch). Like every change
    /// it bumps the version, so record state transitions, not every heartbeat.
    case recordHeartbeat(NodeID, at: Int64)

    // MARK: Shards

    /// Creates a co-location group with all its shard groups (indices `0..<shardCount`) and at
    /// least one placement per shard group.
    case createColocationGroup(ColocationGroup, shardGroups: [ShardGroup], placements: [Placement])
    /// Adds a copy of a shard group on another node.
    case addPlacement(Placement)
    /// Removes a copy of a shard group; the last one cannot be removed.
    case removePlacement(ShardGroupID, node: NodeID)
    /// Marks a placement active, inactive or moving. Marking inactive a placement that is gone
    /// (a move replaced it since the caller looked) changes nothing.
    case setPlacementState(ShardGroupID, node: NodeID, Placement.State)

    // MARK: Tables

    /// Creates a table in an existing co-location group.
    case createTable(Table)
    /// Drops a table with its indexes, triggers and key counter; its co-location group goes too
    /// when no other table uses it.
    case dropTable(TableID)
    /// Renames a table; `createSQL` is its `CREATE TABLE` under the new name.
    case renameTable(TableID, to: String, createSQL: String)
    /// Appends a column (its ordinal is set to the end); `createSQL` is the new `CREATE TABLE`.
    case addColumn(TableID, Column, createSQL: String)
    /// Drops a column other than the distribution column; later ordinals shift down.
    case dropColumn(TableID, column: String, createSQL: String)
    /// Renames a column (and the distribution column reference with it).
    case renameColumn(TableID, from: String, to: String, createSQL: String)

    // MARK: Other schema objects

    case createIndex(Index)
    case dropIndex(name: String)
    case createView(View)
    case dropView(name: String)
    case createTrigger(Trigger)
    case dropTrigger(name: String)
}
