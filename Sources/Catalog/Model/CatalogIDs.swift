/// Identifies a worker node in the catalog.
///
/// IDs of nodes, co-location groups and tables come from one counter
/// (``CatalogSnapshot/nextID``) and are never reused, so a stale reference — a shard file left
/// behind by a dropped table, a cached plan — can never be mistaken for a newer object.
public struct NodeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The stored number.
    public var rawValue: Int64
    /// Wraps a stored number.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Wraps a stored number.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    /// Orders by number, which is creation order.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    /// A readable name for messages.
    public var description: String { "node \(rawValue)" }
}

/// Identifies a co-location group: tables whose shard *k* live together in one SQLite file.
public struct ColocationGroupID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The stored number.
    public var rawValue: Int64
    /// Wraps a stored number.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Wraps a stored number.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    /// Orders by number, which is creation order.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    /// A readable name for messages.
    public var description: String { "co-location group \(rawValue)" }
}

/// Identifies a table; it stays the same when the table is renamed.
public struct TableID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The stored number.
    public var rawValue: Int64
    /// Wraps a stored number.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Wraps a stored number.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    /// Orders by number, which is creation order.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    /// A readable name for messages.
    public var description: String { "table \(rawValue)" }
}

/// Identifies a shard group: shard number `index` of a co-location group, one SQLite file.
public struct ShardGroupID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The co-location group the shard group belongs to.
    public var group: ColocationGroupID
    /// The shard's number in its group, `0..<shardCount`.
    public var index: Int

    /// Creates the value from its parts.
    public init(group: ColocationGroupID, index: Int) {
        self.group = group
        self.index = index
    }

    /// Orders by number, which is creation order.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.group.rawValue, lhs.index) < (rhs.group.rawValue, rhs.index)
    }

    /// A readable name for messages.
    public var description: String { "shard \(index) of co-location group \(group.rawValue)" }
}
