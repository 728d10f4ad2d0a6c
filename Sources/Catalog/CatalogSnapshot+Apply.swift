import ShardQLBase

extension CatalogSnapshot {
    /// The snapshot after `changes`, in order, with ``version`` one higher; this is where every
    /// change is validated, so each ``CatalogStore`` applies exactly the same rules.
    ///
    /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/invalidArgument`` naming the
    ///   first change that does not fit (unknown object, name taken, broken invariant); `self` is
    ///   a value, so nothing is applied.
    public func applying(_ changes: [CatalogChange]) throws -> CatalogSnapshot {
        var next = self
        for change in changes {
            try next.apply(change)
        }
        next.version = version + 1
        return next
    }

    private mutating func apply(_ change: CatalogChange) throws {
        switch change {
        case .addNode(let node):
            try addNode(node)
        case .removeNode(let id):
            _ = try existingNode(id)
            if let placement = placementsByShardGroup.values.lazy.flatMap({ $0 }).first(where: { $0.node == id }) {
                throw ShardQLError.catalog("cannot remove \(id): it still holds a placement of \(placement.shardGroup)")
            }
            nodes[id] = nil
        case .setNodeState(let id, let state):
            _ = try existingNode(id)
            nodes[id]?.state = state
        case .recordHeartbeat(let id, let time):
            _ = try existingNode(id)
            nodes[id]?.lastHeartbeat = time
        case .createColocationGroup(let group, let shardGroups, let placements):
            try createColocationGroup(group, shardGroups: shardGroups, placements: placements)
        case .addPlacement(let placement):
            try addPlacement(placement)
        case .removePlacement(let shardGroup, let node):
            let index = try existingPlacementIndex(shardGroup, node)
            guard placementsByShardGroup[shardGroup]!.count > 1 else {
                throw ShardQLError.catalog("cannot remove the last placement of \(shardGroup)")
            }
            placementsByShardGroup[shardGroup]!.remove(at: index)
        case .setPlacementState(let shardGroup, let node, let state):
            // A copy found to have missed a write may be gone by the time that is recorded (a
            // move replaced it): nothing is left to mark.
            if state == .inactive, !placementsByShardGroup[shardGroup, default: []].contains(where: { $0.node == node }),
                nodes[node] != nil, shardGroupsByGroup[shardGroup.group] != nil
            {
                break
            }
            let index = try existingPlacementIndex(shardGroup, node)
            placementsByShardGroup[shardGroup]![index].state = state
        case .createTable(let table):
            try createTable(table)
        case .dropTable(let id):
            try dropTable(id)
        case .renameTable(let id, let name, let createSQL):
            let table = try existingTable(id)
            if !CatalogName.equal(table.name, name) { try checkSchemaNameFree(name) }
            try checkSQL(createSQL, of: "table \(name)")
            tableIDsByKey[CatalogName.key(table.name)] = nil
            tableIDsByKey[CatalogName.key(name)] = id
            tables[id]!.name = name
            tables[id]!.createSQL = createSQL
        case .addColumn(let id, var column, let createSQL):
            let table = try existingTable(id)
            try checkColumnNameFree(column.name, in: table)
            if column.primaryKeyPosition != nil {
                throw ShardQLError.catalog("Cannot add a PRIMARY KEY column: \(column.name) on table \(table.name)")
            }
            try checkSQL(createSQL, of: "table \(table.name)")
            column.ordinal = table.columns.count
            tables[id]!.columns.append(column)
            tables[id]!.createSQL = createSQL
        case .dropColumn(let id, let name, let createSQL):
            try dropColumn(name, of: id, createSQL: createSQL)
        case .renameColumn(let id, let old, let new, let createSQL):
            let table = try existingTable(id)
            guard let column = table.column(named: old) else {
                throw ShardQLError.catalog("no such column: \"\(old)\" in table \(table.name)")
            }
            if !CatalogName.equal(old, new) { try checkColumnNameFree(new, in: table) }
            try checkSQL(createSQL, of: "table \(table.name)")
            tables[id]!.columns[column.ordinal].name = new
            if let distribution = table.distributionColumn, CatalogName.equal(distribution, old) {
                tables[id]!.distributionColumn = new
            }
            tables[id]!.createSQL = createSQL
        case .createIndex(let index):
            try checkSchemaNameFree(index.name)
            let table = try existingTable(index.table)
            try checkSQL(index.sql, of: "index \(index.name) on \(table.name)")
            indexesByKey[CatalogName.key(index.name)] = index
        case .dropIndex(let name):
            guard indexesByKey.removeValue(forKey: CatalogName.key(name)) != nil else {
                throw ShardQLError.catalog("no such index: \(name)")
            }
        case .createView(let view):
            try checkSchemaNameFree(view.name)
            try checkSQL(view.sql, of: "view \(view.name)")
            viewsByKey[CatalogName.key(view.name)] = view
        case .dropView(let name):
            guard viewsByKey.removeValue(forKey: CatalogName.key(name)) != nil else {
                throw ShardQLError.catalog("no such view: \(name)")
            }
        case .createTrigger(let trigger):
            try checkObjectName(trigger.name)
            if triggersByKey[CatalogName.key(trigger.name)] != nil {
                throw ShardQLError.catalog("trigger \(trigger.name) already exists")
            }
            let table = try existingTable(trigger.table)
            try checkSQL(trigger.sql, of: "trigger \(trigger.name) on \(table.name)")
            triggersByKey[CatalogName.key(trigger.name)] = trigger
        case .dropTrigger(let name):
            guard triggersByKey.removeValue(forKey: CatalogName.key(name)) != nil else {
                throw ShardQLError.catalog("no such trigger: \(name)")
            }
        }
    }

    // MARK: Nodes and shards

    private mutating func addNode(_ node: Node) throws {
        guard !node.address.isEmpty else { throw ShardQLError.catalog("a node needs an address") }
        try Node.checkAddress(node.address)
        if let other = nodes.values.first(where: { $0.address == node.address }) {
            throw ShardQLError.catalog("a node with address '\(node.address)' already exists (\(other.id))")
        }
        try claim(node.id.rawValue, for: "\(node.id)")
        nodes[node.id] = node
    }

    private mutating func createColocationGroup(
        _ group: ColocationGroup, shardGroups: [ShardGroup], placements: [Placement]
    ) throws {
        let name = "\(group.id)"
        guard group.shardCount >= 1 else { throw ShardQLError.catalog("\(name) needs at least one shard") }
        switch group.kind {
        case .hash:
            guard group.distributionAffinity != nil, group.distributionCollation != nil else {
                throw ShardQLError.catalog("hash \(name) needs the affinity and collation of its distribution column")
            }
        case .reference, .roundRobin:
            guard group.distributionAffinity == nil, group.distributionCollation == nil else {
                throw ShardQLError.catalog(
                    "\(group.kind.rawValue) \(name) has no distribution column affinity or collation")
            }
            if group.kind == .reference, group.shardCount != 1 {
                throw ShardQLError.catalog("reference \(name) must have exactly one shard, not \(group.shardCount)")
            }
        }
        let sorted = shardGroups.sorted { $0.index < $1.index }
        guard sorted.map(\.id) == (0..<group.shardCount).map({ ShardGroupID(group: group.id, index: $0) }) else {
            throw ShardQLError.catalog(
                "\(name) must come with shard groups 0..<\(group.shardCount) of its own, exactly once")
        }
        if group.kind == .hash {
            // The ranges tile the hash space in index order, so routing finds exactly one shard.
            var expectedLow: UInt64? = 0
            for shard in sorted {
                guard let low = expectedLow, shard.hashRange.lowerBound == low else {
                    throw ShardQLError.catalog(
                        "the hash ranges of \(name) must cover 0...\(UInt64.max) in index order "
                            + "without gaps or overlaps; shard \(shard.index) starts at \(shard.hashRange.lowerBound)")
                }
                expectedLow = shard.hashRange.upperBound == .max ? nil : shard.hashRange.upperBound + 1
            }
            guard expectedLow == nil else {
                throw ShardQLError.catalog("the hash ranges of \(name) must end at \(UInt64.max)")
            }
        }
        try claim(group.id.rawValue, for: name)
        colocationGroups[group.id] = group
        shardGroupsByGroup[group.id] = sorted
        for placement in placements {
            guard placement.shardGroup.group == group.id else {
                throw ShardQLError.catalog("a placement of \(placement.shardGroup) cannot be created with \(name)")
            }
            try addPlacement(placement)
        }
        for shard in sorted where placementsByShardGroup[shard.id, default: []].isEmpty {
            throw ShardQLError.catalog("\(shard.id) needs at least one placement")
        }
    }

    private mutating func addPlacement(_ placement: Placement) throws {
        guard shardGroupsByGroup[placement.shardGroup.group]?.contains(where: { $0.id == placement.shardGroup }) == true
        else { throw ShardQLError.catalog("no such shard group: \(placement.shardGroup)") }
        _ = try existingNode(placement.node)
        if placementsByShardGroup[placement.shardGroup, default: []].contains(where: { $0.node == placement.node }) {
            throw ShardQLError.catalog("\(placement.shardGroup) already has a placement on \(placement.node)")
        }
        placementsByShardGroup[placement.shardGroup, default: []].append(placement)
        placementsByShardGroup[placement.shardGroup]!.sort { $0.node < $1.node }
    }

    // MARK: Lookups that throw

    private func existingNode(_ id: NodeID) throws -> Node {
        guard let node = nodes[id] else { throw ShardQLError.catalog("no such node: \(id.rawValue)") }
        return node
    }

    func existingTable(_ id: TableID) throws -> Table {
        guard let table = tables[id] else { throw ShardQLError.catalog("no such table: \(id)") }
        return table
    }

    private func existingPlacementIndex(_ shardGroup: ShardGroupID, _ node: NodeID) throws -> Int {
        guard let index = placementsByShardGroup[shardGroup]?.firstIndex(where: { $0.node == node }) else {
            throw ShardQLError.catalog("\(shardGroup) has no placement on \(node)")
        }
        return index
    }

    // MARK: Rules shared by several changes

    /// Takes a new object ID: it must not be below ``nextID``, which then moves past it.
    mutating func claim(_ id: Int64, for name: String) throws {
        guard id >= nextID else {
            throw ShardQLError.catalog(
                "the ID of \(name) is already taken (next free ID: \(nextID)); "
                    + "take IDs from a current snapshot with CatalogIDAllocator")
        }
        nextID = id + 1
    }

    /// Table, view and index names share one namespace, as in SQLite.
    func checkSchemaNameFree(_ name: String) throws {
        try checkObjectName(name)
        let key = CatalogName.key(name)
        if let id = tableIDsByKey[key] {
            throw ShardQLError.catalog("there is already a table named \(tables[id]!.name)")
        }
        if let view = viewsByKey[key] { throw ShardQLError.catalog("there is already a view named \(view.name)") }
        if let index = indexesByKey[key] { throw ShardQLError.catalog("there is already an index named \(index.name)") }
    }

    func checkObjectName(_ name: String) throws {
        guard !name.isEmpty else { throw ShardQLError.catalog("a schema object needs a name") }
        if CatalogName.key(name).hasPrefix("sqlite_") {
            throw ShardQLError.catalog("object name reserved for internal use: \(name)")
        }
    }

    func checkSQL(_ sql: String, of object: String) throws {
        guard sql.contains(where: { !$0.isWhitespace }) else {
            throw ShardQLError.catalog("the SQL text of \(object) is empty")
        }
    }
}
