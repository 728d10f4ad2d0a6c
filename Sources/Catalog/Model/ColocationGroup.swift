/// Tables that share shard boundaries and placements: shard *k* of every table in the group lives
/// in the same SQLite file on the same worker, so joins on the distribution key run there.
///
/// Co-location requires the same shard count and the same distribution-column affinity and
/// collation (DESIGN §3), which is why they are properties of the group, not of its tables.
public struct ColocationGroup: Hashable, Sendable {
    /// How rows of the group's tables are spread over its shards.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// By a hash of the distribution column into ``ShardGroup/hashRange``s.
        case hash
        /// Whole table copied to every node; one shard group.
        case reference
        /// Rows spread without a key (`DISTRIBUTED RANDOMLY`).
        case roundRobin = "round-robin"
    }

    /// The object's identity; it never changes.
    public var id: ColocationGroupID
    /// What sort of object this is.
    public var kind: Kind
    /// How many shard groups the group has (1 for a reference group).
    public var shardCount: Int
    /// The affinity of the distribution column of every table in a hash group; `nil` otherwise.
    public var distributionAffinity: Column.Affinity?
    /// The collation of the distribution column of every table in a hash group; `nil` otherwise.
    public var distributionCollation: Column.Collation?

    /// Creates the value from its parts.
    public init(
        id: ColocationGroupID,
        kind: Kind,
        shardCount: Int,
        distributionAffinity: Column.Affinity? = nil,
        distributionCollation: Column.Collation? = nil
    ) {
        self.id = id
        self.kind = kind
        self.shardCount = shardCount
        self.distributionAffinity = distributionAffinity
        self.distributionCollation = distributionCollation
    }
}
