import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase

/// Where a new table's rows go: its distribution (explicit, or the default rules of DESIGN §3),
/// the uniqueness it can enforce, and the co-location group it joins.
extension Cluster {
    struct Distribution {
        var method: Table.DistributionMethod
        var column: String?
        var shardCount: Int
        var replicas: Int?
        var colocateWith: QualifiedName?
        var isReference: Bool { method == .none }
    }

    /// The explicit clause, else the default: PRIMARY KEY's first column, else the first UNIQUE
    /// column, else round-robin (DESIGN §3). Uniqueness that does not include the distribution
    /// column cannot be enforced per shard and is refused.
    func chooseDistribution(
        _ create: CreateTable, columns: [Column], constraints: [TableConstraint], definitions: [ColumnDefinition]
    ) throws -> Distribution {
        let uniqueKeys = Self.uniqueKeys(definitions: definitions, constraints: constraints)
        var distribution: Distribution
        switch create.distribution {
        case .replicated?:
            return Distribution(method: .none, column: nil, shardCount: 1)
        case .hash(let column, let shards, let replicas, let colocateWith)?:
            guard let known = columns.first(where: { CatalogName.equal($0.name, column.name) }) else {
                throw ShardQLError(.invalidArgument, "distribution column \(column.name) is not a column of \(create.name.name.name)")
            }
            distribution = Distribution(
                method: .hash, column: known.name, shardCount: shards ?? defaultShardCount, replicas: replicas,
                colocateWith: colocateWith)
        case nil:
            let keyColumn = uniqueKeys.first(where: \.isPrimaryKey)?.columns.first ?? uniqueKeys.first?.columns.first
            switch (defaultDistribution, keyColumn) {
            case (.firstColumn, nil):
                distribution = Distribution(method: .hash, column: columns[0].name, shardCount: defaultShardCount)
            case (_, let key?):
                // With uniqueness to enforce, its key decides whatever the policy.
                let column = defaultDistribution == .firstColumn
                    && uniqueKeys.allSatisfy { $0.columns.contains { CatalogName.equal($0, columns[0].name) } }
                    ? columns[0].name : key
                distribution = Distribution(method: .hash, column: column, shardCount: defaultShardCount)
            case (_, nil):
                distribution = Distribution(method: .roundRobin, column: nil, shardCount: defaultShardCount)
            }
        }
        guard Self.shardCountRange.contains(distribution.shardCount) else {
            throw ShardQLError(
                .invalidArgument,
                "SHARDS \(distribution.shardCount) is out of range: a table has \(Self.shardCountRange.lowerBound) to \(Self.shardCountRange.upperBound) shards")
        }
        if let replicas = distribution.replicas, !(1...Self.maximumReplicas).contains(replicas) {
            throw ShardQLError(.invalidArgument, "REPLICAS \(replicas) is out of range: a table has 1 to \(Self.maximumReplicas) copies")
        }
        for key in uniqueKeys where !key.columns.contains(where: { column in distribution.column.map { CatalogName.equal($0, column) } ?? false }) {
            let what = key.isPrimaryKey ? "PRIMARY KEY" : "UNIQUE constraint"
            let on = distribution.column.map { "its distribution column \($0)" } ?? "a distribution column (the table is round-robin)"
            throw ShardQLError(
                .unsupported,
                "\(what) (\(key.columns.joined(separator: ", "))) of \(create.name.name.name) does not include \(on), so it cannot be enforced per shard; distribute by one of its columns or declare the table DISTRIBUTED REPLICATED")
        }
        return distribution
    }

    /// The most copies of a shard group.
    static var maximumReplicas: Int { 16 }

    struct UniqueKey {
        var columns: [String]
        var isPrimaryKey: Bool
    }

    static func uniqueKeys(definitions: [ColumnDefinition], constraints: [TableConstraint]) -> [UniqueKey] {
        var keys: [UniqueKey] = []
        for definition in definitions {
            for constraint in definition.constraints {
                switch constraint.kind {
                case .primaryKey: keys.append(UniqueKey(columns: [definition.name.name], isPrimaryKey: true))
                case .unique: keys.append(UniqueKey(columns: [definition.name.name], isPrimaryKey: false))
                default: break
                }
            }
        }
        for constraint in constraints {
            let columns: [IndexedColumn]
            let isPrimaryKey: Bool
            switch constraint.kind {
            case .primaryKey(let indexed, _): (columns, isPrimaryKey) = (indexed, true)
            case .unique(let indexed, _): (columns, isPrimaryKey) = (indexed, false)
            default: continue
            }
            let names = columns.compactMap { column -> String? in
                if case .column(let reference) = stripCollate(column.expr).kind { return reference.column.name }
                return nil
            }
            keys.append(UniqueKey(columns: names, isPrimaryKey: isPrimaryKey))
        }
        // The primary key first: it chooses the default distribution column.
        return keys.filter(\.isPrimaryKey) + keys.filter { !$0.isPrimaryKey }
    }

    /// The co-location group the new table joins, creating one (with its shard groups, placed
    /// by ``PlaceShardGroups``) when no compatible group exists (or, unless `joiningExisting`,
    /// when the table names none to co-locate with), and the table's replication factor: the
    /// group's copies of each shard (1 for a reference table, whose group is on every node).
    func colocationGroup(
        for distribution: Distribution, columns: [Column], in snapshot: CatalogSnapshot, joiningExisting: Bool = true,
        nextID: inout Int64, changes: inout [CatalogChange]
    ) throws -> (group: ColocationGroup, replicas: Int) {
        let kind: ColocationGroup.Kind =
            distribution.isReference ? .reference : distribution.method == .roundRobin ? .roundRobin : .hash
        let column = distribution.column.flatMap { name in columns.first { CatalogName.equal($0.name, name) } }
        let wanted = ColocationGroup(
            id: ColocationGroupID(nextID), kind: kind, shardCount: distribution.shardCount,
            distributionAffinity: column?.affinity, distributionCollation: column?.collation)
        if let target = distribution.colocateWith {
            guard let other = snapshot.table(named: target.name.name),
                let group = snapshot.colocationGroups[other.colocationGroup]
            else { throw ShardQLError(.sqlite, "no such table: \(target.name.name)") }
            guard group.kind == .hash, kind == .hash, group.shardCount == wanted.shardCount,
                group.distributionAffinity == wanted.distributionAffinity,
                group.distributionCollation == wanted.distributionCollation
            else {
                throw ShardQLError(
                    .invalidArgument,
                    "cannot co-locate with \(other.name): co-located tables need the same shard count (\(group.shardCount)) and a distribution column with the same affinity and collation")
            }
            if let replicas = distribution.replicas, replicas != other.replicationFactor {
                throw ShardQLError(
                    .invalidArgument,
                    "cannot co-locate with \(other.name): it has \(other.replicationFactor) \(other.replicationFactor == 1 ? "copy" : "copies") (REPLICAS), not \(replicas)")
            }
            return (group, other.replicationFactor)
        }
        let replicas = distribution.replicas ?? settings.withLock { $0.defaultReplicas }
        let factor = kind == .reference ? 1 : replicas
        if joiningExisting, let existing = snapshot.colocationGroups.values.sorted(by: { $0.id < $1.id }).first(where: { group in
            group.kind == wanted.kind && group.shardCount == wanted.shardCount
                && group.distributionAffinity == wanted.distributionAffinity
                && group.distributionCollation == wanted.distributionCollation
                && (group.kind == .reference || snapshot.replicationFactor(of: group.id) == replicas)
        }) {
            return (existing, factor)
        }
        nextID += 1
        let ranges = try ShardRanges(count: wanted.shardCount)
        let shardGroups = (0..<wanted.shardCount).map { index in
            ShardGroup(id: ShardGroupID(group: wanted.id, index: index), hashRange: ranges.range(ofShard: index))
        }
        let placements = try PlaceShardGroups.placements(
            for: shardGroups, kind: kind, replicas: replicas, in: snapshot, localNode: localNode)
        // The files are made before the catalog commits the group: the router must know them now.
        executor.learn(placements, nodes: snapshot)
        changes.append(.createColocationGroup(wanted, shardGroups: shardGroups, placements: placements))
        return (wanted, factor)
    }
}
