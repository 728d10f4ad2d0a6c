/// Hands out IDs for the objects a change list creates, starting at a snapshot's
/// ``CatalogSnapshot/nextID``.
///
/// Applying the list refuses an ID below the stored counter, so two writers that picked IDs from
/// the same snapshot cannot both succeed, even without an `expectedVersion`.
public struct CatalogIDAllocator: Sendable {
    /// The next raw ID to hand out.
    public private(set) var next: Int64

    /// Creates the value from its parts.
    public init(_ snapshot: CatalogSnapshot) {
        self.next = snapshot.nextID
    }

    /// Hands out IDs from `first` on: the start of ``CatalogStore/reserveIDs(count:)``'s range.
    public init(startingAt first: Int64) {
        self.next = first
    }

    private mutating func take() -> Int64 {
        defer { next += 1 }
        return next
    }

    /// A new node ID.
    public mutating func nodeID() -> NodeID { NodeID(take()) }
    /// A new co-location group ID.
    public mutating func colocationGroupID() -> ColocationGroupID { ColocationGroupID(take()) }
    /// A new table ID.
    public mutating func tableID() -> TableID { TableID(take()) }
}
