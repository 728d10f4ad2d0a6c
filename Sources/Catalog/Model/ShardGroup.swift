/// One shard of a co-location group: the rows whose distribution hash falls in ``hashRange``.
///
/// The ranges of a hash group's shard groups cover `0...UInt64.max` without gaps or overlaps,
/// in index order. Reference and round-robin groups do not route by hash; their ranges are
/// informational.
public struct ShardGroup: Hashable, Sendable {
    /// The object's identity; it never changes.
    public var id: ShardGroupID
    /// The distribution hashes this shard holds, both bounds included.
    public var hashRange: ClosedRange<UInt64>

    /// Creates the value from its parts.
    public init(id: ShardGroupID, hashRange: ClosedRange<UInt64>) {
        self.id = id
        self.hashRange = hashRange
    }

    /// The co-location group the shard belongs to.
    public var group: ColocationGroupID { id.group }
    /// The shard's number within its group.
    public var index: Int { id.index }
}
