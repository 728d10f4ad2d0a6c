import ShardQLBase

// The table changes of `applying(_:)`, which need the most checking.
extension CatalogSnapshot {
    mutating func createTable(_ table: Table) throws {
        try checkSchemaNameFree(table.name)
        let name = table.name
        guard let group = colocationGroups[table.colocationGroup] else {
            throw ShardQLError.catalog("no such co-location group for table \(name): \(table.colocationGroup.rawValue)")
        }
        guard !table.columns.isEmpty else { throw ShardQLError.catalog("table \(name) has no columns") }
        for (position, column) in table.columns.enumerated() {
            guard column.ordinal == position else {
                throw ShardQLError.catalog(
                    "column \(column.name) of table \(name) has ordinal \(column.ordinal), "
                        + "expected \(position)")
            }
            guard !column.name.isEmpty else {
                throw ShardQLError.catalog("column \(position) of table \(name) has no name")
            }
            if table.columns[..<position].contains(where: { CatalogName.equal($0.name, column.name) }) {
                throw ShardQLError.catalog("duplicate column name: \(column.name)")
            }
        }
        let keyPositions = table.columns.compactMap(\.primaryKeyPosition).sorted()
        guard keyPositions == keyPositions.indices.map({ $0 + 1 }) else {
            throw ShardQLError.catalog("the primary key positions of table \(name) must be 1, 2, … once each")
        }
        guard table.replicationFactor >= 1 else {
            throw ShardQLError.catalog("table \(name) needs a replication factor of at least 1")
        }
        try checkSQL(table.createSQL, of: "table \(name)")
        try checkDistribution(of: table, in: group)
        try claim(table.id.rawValue, for: "table \(name)")
        tables[table.id] = table
        tableIDsByKey[CatalogName.key(name)] = table.id
    }

    /// Kind, method, distribution column and group must tell the same story (DESIGN §3).
    private func checkDistribution(of table: Table, in group: ColocationGroup) throws {
        let name = table.name
        let expectedGroupKind: ColocationGroup.Kind
        switch (table.kind, table.distribution) {
        case (.distributed, .hash): expectedGroupKind = .hash
        case (.distributed, .roundRobin): expectedGroupKind = .roundRobin
        case (.reference, .none): expectedGroupKind = .reference
        default:
            throw ShardQLError.catalog(
                "a \(table.kind.rawValue) table cannot use distribution method "
                    + "\(table.distribution.rawValue): table \(name)")
        }
        guard group.kind == expectedGroupKind else {
            throw ShardQLError.catalog(
                "table \(name) (\(table.distribution.rawValue)) cannot join "
                    + "\(group.kind.rawValue) \(group.id)")
        }
        guard expectedGroupKind == .hash else {
            if let column = table.distributionColumn {
                throw ShardQLError.catalog(
                    "table \(name) is not hash-distributed but names distribution column \(column)")
            }
            return
        }
        guard let columnName = table.distributionColumn else {
            throw ShardQLError.catalog("hash-distributed table \(name) needs a distribution column")
        }
        guard let column = table.column(named: columnName) else {
            throw ShardQLError.catalog("no such column: \(columnName) (distribution column of table \(name))")
        }
        guard column.affinity == group.distributionAffinity, column.collation == group.distributionCollation else {
            throw ShardQLError.catalog(
                "table \(name) cannot be co-located with \(group.id): its distribution column "
                    + "\(column.name) has affinity \(column.affinity.rawValue) and collation "
                    + "\(column.collation.rawValue), "
                    + "the group's has \(group.distributionAffinity?.rawValue ?? "none") and "
                    + "\(group.distributionCollation?.rawValue ?? "none")")
        }
    }

    mutating func dropTable(_ id: TableID) throws {
        let table = try existingTable(id)
        tables[id] = nil
        tableIDsByKey[CatalogName.key(table.name)] = nil
        indexesByKey = indexesByKey.filter { $0.value.table != id }
        triggersByKey = triggersByKey.filter { $0.value.table != id }
        // Views may name the table; SQLite keeps such views too and fails when they are used.
        let group = table.colocationGroup
        if !tables.values.contains(where: { $0.colocationGroup == group }) {
            for shard in shardGroupsByGroup[group] ?? [] {
                placementsByShardGroup[shard.id] = nil
            }
            shardGroupsByGroup[group] = nil
            colocationGroups[group] = nil
        }
    }

    mutating func dropColumn(_ name: String, of id: TableID, createSQL: String) throws {
        let table = try existingTable(id)
        guard let column = table.column(named: name) else {
            throw ShardQLError.catalog("no such column: \"\(name)\" in table \(table.name)")
        }
        if let distribution = table.distributionColumn, CatalogName.equal(distribution, name) {
            throw ShardQLError.catalog(
                "cannot drop column \"\(column.name)\": it is the distribution column of table "
                    + table.name)
        }
        guard table.columns.count > 1 else {
            throw ShardQLError.catalog("cannot drop column \"\(column.name)\": no other columns exist")
        }
        if column.primaryKeyPosition != nil {
            throw ShardQLError.catalog("cannot drop PRIMARY KEY column: \"\(column.name)\"")
        }
        try checkSQL(createSQL, of: "table \(table.name)")
        var columns = table.columns
        columns.remove(at: column.ordinal)
        for index in columns.indices { columns[index].ordinal = index }
        tables[id]!.columns = columns
        tables[id]!.createSQL = createSQL
    }

    func checkColumnNameFree(_ name: String, in table: Table) throws {
        guard !name.isEmpty else { throw ShardQLError.catalog("a column needs a name") }
        if table.column(named: name) != nil { throw ShardQLError.catalog("duplicate column name: \(name)") }
    }
}
