import Catalog

/// Builders for catalog contents the tests share.
enum SampleCatalog {
    /// `count` closed ranges tiling `0...UInt64.max` evenly, in order.
    static func hashRanges(_ count: Int) -> [ClosedRange<UInt64>] {
        guard count > 1 else { return [0...UInt64.max] }
        let step = UInt64.max / UInt64(count) + 1
        return (0..<count).map { index in
            let low = UInt64(index) * step
            return low...(index == count - 1 ? UInt64.max : UInt64(index + 1) * step - 1)
        }
    }

    /// A hash co-location group on `nodes` (round-robin placement), INTEGER/BINARY unless told.
    static func createHashGroup(
        _ id: ColocationGroupID, shards: Int, nodes: [NodeID],
        affinity: Column.Affinity = .integer, collation: Column.Collation = .binary
    ) -> CatalogChange {
        let group = ColocationGroup(
            id: id, kind: .hash, shardCount: shards, distributionAffinity: affinity, distributionCollation: collation)
        let shardGroups = hashRanges(shards).enumerated().map { index, range in
            ShardGroup(id: ShardGroupID(group: id, index: index), hashRange: range)
        }
        let placements = shardGroups.map { Placement(shardGroup: $0.id, node: nodes[$0.index % nodes.count]) }
        return .createColocationGroup(group, shardGroups: shardGroups, placements: placements)
    }

    /// A reference group: one shard, a placement on every node.
    static func createReferenceGroup(_ id: ColocationGroupID, nodes: [NodeID]) -> CatalogChange {
        let shard = ShardGroupID(group: id, index: 0)
        return .createColocationGroup(
            ColocationGroup(id: id, kind: .reference, shardCount: 1),
            shardGroups: [ShardGroup(id: shard, hashRange: 0...UInt64.max)],
            placements: nodes.map { Placement(shardGroup: shard, node: $0) })
    }

    /// `CREATE TABLE name(id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, note TEXT COLLATE NOCASE DEFAULT '')`,
    /// hash-distributed on `id`.
    static func hashTable(_ id: TableID, _ name: String, group: ColocationGroupID) -> Table {
        Table(
            id: id, name: name, kind: .distributed, distribution: .hash, distributionColumn: "id",
            colocationGroup: group,
            createSQL: "CREATE TABLE \(name)(id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, "
                + "note TEXT COLLATE NOCASE DEFAULT '')",
            columns: [
                Column(ordinal: 0, name: "id", declaredType: "INTEGER", affinity: .integer, primaryKeyPosition: 1),
                Column(ordinal: 1, name: "customer", declaredType: "INTEGER", affinity: .integer, notNull: true),
                Column(
                    ordinal: 2, name: "note", declaredType: "TEXT", affinity: .text, collation: .nocase,
                    hasDefault: true),
            ])
    }

    /// A reference table `name(code TEXT, label)`.
    static func referenceTable(_ id: TableID, _ name: String, group: ColocationGroupID) -> Table {
        Table(
            id: id, name: name, kind: .reference, distribution: .none, colocationGroup: group,
            replicationFactor: 2, createSQL: "CREATE TABLE \(name)(code TEXT PRIMARY KEY, label) STRICT",
            isStrict: true, isWithoutRowID: false,
            columns: [
                Column(ordinal: 0, name: "code", declaredType: "TEXT", affinity: .text, primaryKeyPosition: 1),
                Column(ordinal: 1, name: "label"),
            ])
    }

    /// A store with one local node and a 4-shard hash table `orders` in it; returns the snapshot
    /// and the IDs.
    static func withOrders(_ store: any CatalogStore) async throws -> (CatalogSnapshot, node: NodeID, TableID) {
        var ids = CatalogIDAllocator(try await store.snapshot())
        let node = ids.nodeID()
        let group = ids.colocationGroupID()
        let table = ids.tableID()
        let snapshot = try await store.apply([
            .addNode(Node(id: node, address: Node.localAddress)),
            createHashGroup(group, shards: 4, nodes: [node]),
            .createTable(hashTable(table, "orders", group: group)),
        ])
        return (snapshot, node, table)
    }
}
