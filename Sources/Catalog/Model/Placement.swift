/// A copy of a shard group on a node.
///
/// Replication comes later, but placements are modelled from the start: a table with replication
/// factor *n* has *n* placements per shard group.
public struct Placement: Hashable, Sendable {
    /// Whether a placement is current.
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Up to date: takes reads and writes.
        case active
        /// Missed a write; unused until repaired.
        case inactive
        /// Being copied to or from another node.
        case moving
    }

    /// The shard group this is a copy of.
    public var shardGroup: ShardGroupID
    /// The node holding the copy.
    public var node: NodeID
    /// Whether the object takes work.
    public var state: State

    /// Creates the value from its parts.
    public init(shardGroup: ShardGroupID, node: NodeID, state: State = .active) {
        self.shardGroup = shardGroup
        self.node = node
        self.state = state
    }
}
