/// A user table: where its rows live and the SQL that creates it on each shard.
///
/// ```swift
/// let orders = Table(
///     id: TableID(3), name: "orders", kind: .distributed, distribution: .hash,
///     distributionColumn: "customer_id", colocationGroup: ColocationGroupID(2),
///     createSQL: "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER)",
///     columns: [
///         Column(ordinal: 0, name: "id", declaredType: "INTEGER", affinity: .integer, primaryKeyPosition: 1),
///         Column(ordinal: 1, name: "customer_id", declaredType: "INTEGER", affinity: .integer),
///     ])
/// ```
public struct Table: Hashable, Sendable {
    /// Whether the table is split into shards or copied whole.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case distributed
        /// Copied to every node (`DISTRIBUTED REPLICATED`).
        case reference
    }

    /// How a distributed table's rows are assigned to shards.
    public enum DistributionMethod: String, Hashable, Sendable, CaseIterable {
        /// By the hash of ``Table/distributionColumn``.
        case hash
        /// Without a key.
        case roundRobin = "round-robin"
        /// Not distributed: a reference table.
        case none
    }

    /// The object's identity; it never changes.
    public var id: TableID
    /// The name as the user wrote it; lookups ignore ASCII case, as SQLite's do.
    public var name: String
    /// What sort of object this is.
    public var kind: Kind
    /// How rows are assigned to shards.
    public var distribution: DistributionMethod
    /// The column rows are hashed on; `nil` for round-robin and reference tables.
    public var distributionColumn: String?
    /// The co-location group whose shard groups hold the table.
    public var colocationGroup: ColocationGroupID
    /// How many placements each shard group should have.
    public var replicationFactor: Int
    /// The `CREATE TABLE` statement run on every shard, without ShardQL's distribution clause.
    public var createSQL: String
    /// Whether the table is `STRICT`.
    public var isStrict: Bool
    /// Whether the table is `WITHOUT ROWID` (it then has no rowid to allocate).
    public var isWithoutRowID: Bool
    /// The columns in table order (``Column/ordinal`` equals the position).
    public var columns: [Column]

    /// Creates the value from its parts.
    public init(
        id: TableID,
        name: String,
        kind: Kind = .distributed,
        distribution: DistributionMethod = .hash,
        distributionColumn: String? = nil,
        colocationGroup: ColocationGroupID,
        replicationFactor: Int = 1,
        createSQL: String,
        isStrict: Bool = false,
        isWithoutRowID: Bool = false,
        columns: [Column]
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.distribution = distribution
        self.distributionColumn = distributionColumn
        self.colocationGroup = colocationGroup
        self.replicationFactor = replicationFactor
        self.createSQL = createSQL
        self.isStrict = isStrict
        self.isWithoutRowID = isWithoutRowID
        self.columns = columns
    }

    /// The column with this name (ASCII case-insensitive), if any.
    public func column(named name: String) -> Column? {
        columns.first { CatalogName.equal($0.name, name) }
    }

    /// The distribution column's description, `nil` for round-robin and reference tables.
    public var distributionColumnInfo: Column? {
        distributionColumn.flatMap { column(named: $0) }
    }
}
