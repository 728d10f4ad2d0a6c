import Catalog
import PostgresNIO
import ShardQLBase

// Reading and writing the catalog's rows; the same records as the embedded store, computed from
// the same CatalogDiff, so the two stores differ only in SQL dialect and transport.
extension PostgresCatalogStore {
    static func meta(_ key: String, _ connection: PostgresConnection) async throws -> Int64 {
        for try await value in try await connection.query(
            "SELECT value FROM shardql.meta WHERE key = \(key)", logger: logger
        ).decode(Int64.self) {
            return value
        }
        throw ShardQLError(.internalError, "the PostgreSQL catalog has no \(key) in shardql.meta")
    }

    /// The catalog as it is, reusing `cached` while the stored version is its version; call it
    /// inside a transaction.
    static func currentSnapshot(cached: CatalogSnapshot?, _ connection: PostgresConnection) async throws
        -> CatalogSnapshot
    {
        let version = try await meta("catalog_version", connection)
        if let cached, cached.version == version { return cached }
        return try await loadSnapshot(connection)
    }

    /// Applies `changes` inside the caller's transaction and returns the snapshot after them.
    /// The version row is locked first, so schema writers take turns and each sees the last
    /// one's rows; the new version is announced to listening coordinators at commit.
    static func apply(
        _ changes: [CatalogChange], expectedVersion: Int64?, cached: CatalogSnapshot?, _ connection: PostgresConnection
    ) async throws -> CatalogSnapshot {
        var stored: Int64?
        for try await value in try await connection.query(
            "SELECT value FROM shardql.meta WHERE key = 'catalog_version' FOR UPDATE", logger: logger
        ).decode(Int64.self) {
            stored = value
        }
        guard let stored else { throw ShardQLError(.internalError, "the PostgreSQL catalog has no catalog_version") }
        if let expectedVersion, expectedVersion != stored {
            throw ShardQLError.catalogVersionConflict(expected: expectedVersion, actual: stored)
        }
        let current = if let cached, cached.version == stored { cached } else { try await loadSnapshot(connection) }
        let next = try current.applying(changes)
        try await write(CatalogDiff(from: current, to: next), connection)
        try await connection.query(
            """
            UPDATE shardql.meta SET value = CASE key WHEN 'catalog_version' THEN \(next.version) ELSE \(next.nextID) END
            WHERE key IN ('catalog_version', 'next_id')
            """, logger: logger)
        try await connection.query("SELECT pg_notify(\(channel), \(String(next.version)))", logger: logger)
        return next
    }

    static func checkTableExists(_ table: TableID, _ connection: PostgresConnection) async throws {
        for try await _ in try await connection.query(
            "SELECT 1 FROM shardql.tables WHERE id = \(table.rawValue)", logger: logger
        ).decode(Int32.self) {
            return
        }
        throw ShardQLError(.invalidArgument, "no such table: \(table)")
    }

    /// A stored enum value; anything else means the catalog was edited by hand or damaged.
    static func parse<T: RawRepresentable<String>>(_ text: String, _ what: String) throws -> T {
        guard let value = T(rawValue: text) else {
            throw ShardQLError(.internalError, "the PostgreSQL catalog is damaged: expected \(what), found '\(text)'")
        }
        return value
    }

    // MARK: Reading

    /// Reads the whole catalog; call it inside a transaction so the rows are one version's.
    static func loadSnapshot(_ connection: PostgresConnection) async throws -> CatalogSnapshot {
        var nodes: [Node] = []
        for try await (id, address, state, heartbeat) in try await connection.query(
            "SELECT id, address, state, last_heartbeat FROM shardql.nodes", logger: logger
        ).decode((Int64, String, String, Int64?).self) {
            nodes.append(
                Node(id: NodeID(id), address: address, state: try parse(state, "a node state"), lastHeartbeat: heartbeat))
        }
        var groups: [ColocationGroup] = []
        for try await (id, kind, shardCount, affinity, collation) in try await connection.query(
            """
            SELECT id, kind, shard_count, distribution_affinity, distribution_collation
            FROM shardql.colocation_groups
            """, logger: logger
        ).decode((Int64, String, Int64, String?, String?).self) {
            groups.append(
                ColocationGroup(
                    id: ColocationGroupID(id), kind: try parse(kind, "a co-location group kind"),
                    shardCount: Int(shardCount), distributionAffinity: try affinity.map { try parse($0, "an affinity") },
                    distributionCollation: try collation.map { try parse($0, "a collation") }))
        }
        var shardGroups: [ShardGroup] = []
        for try await (group, index, low, high) in try await connection.query(
            "SELECT group_id, shard_index, hash_min, hash_max FROM shardql.shard_groups", logger: logger
        ).decode((Int64, Int64, Int64, Int64).self) {
            shardGroups.append(
                ShardGroup(
                    id: ShardGroupID(group: ColocationGroupID(group), index: Int(index)),
                    hashRange: UInt64(bitPattern: low)...UInt64(bitPattern: high)))
        }
        var placements: [Placement] = []
        for try await (group, index, node, state) in try await connection.query(
            "SELECT group_id, shard_index, node_id, state FROM shardql.placements", logger: logger
        ).decode((Int64, Int64, Int64, String).self) {
            placements.append(
                Placement(
                    shardGroup: ShardGroupID(group: ColocationGroupID(group), index: Int(index)), node: NodeID(node),
                    state: try parse(state, "a placement state")))
        }
        var columnsByTable: [TableID: [Column]] = [:]
        for try await (table, ordinal, name, declaredType, affinity, collation, notNull, keyPosition, hasDefault)
            in try await connection.query(
                """
                SELECT table_id, ordinal, name, declared_type, affinity, "collation", not_null, primary_key_position,
                       has_default
                FROM shardql.columns ORDER BY table_id, ordinal
                """, logger: logger
            ).decode((Int64, Int64, String, String, String, String, Bool, Int64?, Bool).self)
        {
            columnsByTable[TableID(table), default: []].append(
                Column(
                    ordinal: Int(ordinal), name: name, declaredType: declaredType,
                    affinity: try parse(affinity, "an affinity"), collation: try parse(collation, "a collation"),
                    notNull: notNull, primaryKeyPosition: keyPosition.map(Int.init), hasDefault: hasDefault))
        }
        var tables: [Table] = []
        for try await (
            id, name, kind, distribution, distributionColumn, group, replicationFactor, createSQL, isStrict,
            withoutRowID
        ) in try await connection.query(
            """
            SELECT id, name, kind, distribution, distribution_column, colocation_group, replication_factor,
                   create_sql, is_strict, without_rowid
            FROM shardql.tables
            """, logger: logger
        ).decode((Int64, String, String, String, String?, Int64, Int64, String, Bool, Bool).self) {
            tables.append(
                Table(
                    id: TableID(id), name: name, kind: try parse(kind, "a table kind"),
                    distribution: try parse(distribution, "a distribution"), distributionColumn: distributionColumn,
                    colocationGroup: ColocationGroupID(group), replicationFactor: Int(replicationFactor),
                    createSQL: createSQL, isStrict: isStrict, isWithoutRowID: withoutRowID,
                    columns: columnsByTable[TableID(id)] ?? []))
        }
        var views: [View] = []
        for try await (name, sql) in try await connection.query(
            "SELECT name, sql FROM shardql.views", logger: logger
        ).decode((String, String).self) {
            views.append(View(name: name, sql: sql))
        }
        var indexes: [Index] = []
        for try await (name, table, sql, isUnique) in try await connection.query(
            "SELECT name, table_id, sql, is_unique FROM shardql.indexes", logger: logger
        ).decode((String, Int64, String, Bool).self) {
            indexes.append(Index(name: name, table: TableID(table), sql: sql, isUnique: isUnique))
        }
        var triggers: [Trigger] = []
        for try await (name, table, sql) in try await connection.query(
            "SELECT name, table_id, sql FROM shardql.triggers", logger: logger
        ).decode((String, Int64, String).self) {
            triggers.append(Trigger(name: name, table: TableID(table), sql: sql))
        }
        return CatalogSnapshot(
            version: try await meta("catalog_version", connection), nextID: try await meta("next_id", connection),
            nodes: nodes, colocationGroups: groups, shardGroups: shardGroups, placements: placements,
            tables: tables, views: views, indexes: indexes, triggers: triggers)
    }

    static func loadTransactions(_ connection: PostgresConnection) async throws -> [TransactionRecord] {
        var records: [TransactionRecord] = []
        // Ids order by bytes (COLLATE "C"), as the embedded store's do.
        for try await (id, state, participantsText, owner, startedAt) in try await connection.query(
            """
            SELECT id, state, participants, owner, started_at FROM shardql.transactions
            ORDER BY started_at, id COLLATE "C"
            """, logger: logger
        ).decode((String, String, String, String, Int64).self) {
            guard let participants = TransactionRecord.participants(fromText: participantsText) else {
                throw ShardQLError(
                    .internalError,
                    "the PostgreSQL catalog is damaged: transaction \(id) has participants '\(participantsText)'")
            }
            records.append(
                TransactionRecord(
                    id: id, state: try parse(state, "a transaction state"), participants: participants, owner: owner,
                    startedAt: startedAt))
        }
        return records
    }

    // MARK: Writing

    /// Writes the rows that differ between two snapshots; a changed record is deleted and
    /// inserted again.
    static func write(_ diff: CatalogDiff, _ connection: PostgresConnection) async throws {
        func run(_ query: PostgresQuery) async throws { try await connection.query(query, logger: logger) }
        let nodeIDs = (diff.removedNodes + diff.upsertedNodes.map(\.id)).map(\.rawValue)
        if !nodeIDs.isEmpty { try await run("DELETE FROM shardql.nodes WHERE id = ANY(\(nodeIDs))") }
        for node in diff.upsertedNodes {
            try await run(
                """
                INSERT INTO shardql.nodes(id, address, state, last_heartbeat)
                VALUES (\(node.id.rawValue), \(node.address), \(node.state.rawValue), \(node.lastHeartbeat))
                """)
        }
        let groupIDs = (diff.removedGroups + diff.upsertedGroups.map(\.id)).map(\.rawValue)
        if !groupIDs.isEmpty { try await run("DELETE FROM shardql.colocation_groups WHERE id = ANY(\(groupIDs))") }
        for group in diff.upsertedGroups {
            try await run(
                """
                INSERT INTO shardql.colocation_groups(
                    id, kind, shard_count, distribution_affinity, distribution_collation)
                VALUES (\(group.id.rawValue), \(group.kind.rawValue), \(Int64(group.shardCount)),
                        \(group.distributionAffinity?.rawValue), \(group.distributionCollation?.rawValue))
                """)
        }
        let shardGroupsOf = (diff.removedShardGroupsOf + Array(diff.upsertedShardGroups.keys)).map(\.rawValue)
        if !shardGroupsOf.isEmpty {
            try await run("DELETE FROM shardql.shard_groups WHERE group_id = ANY(\(shardGroupsOf))")
        }
        for shard in diff.upsertedShardGroups.values.joined() {
            try await run(
                """
                INSERT INTO shardql.shard_groups(group_id, shard_index, hash_min, hash_max)
                VALUES (\(shard.group.rawValue), \(Int64(shard.index)),
                        \(Int64(bitPattern: shard.hashRange.lowerBound)), \(Int64(bitPattern: shard.hashRange.upperBound)))
                """)
        }
        for shard in diff.removedPlacementsOf + Array(diff.upsertedPlacements.keys) {
            try await run(
                """
                DELETE FROM shardql.placements
                WHERE group_id = \(shard.group.rawValue) AND shard_index = \(Int64(shard.index))
                """)
        }
        for placement in diff.upsertedPlacements.values.joined() {
            try await run(
                """
                INSERT INTO shardql.placements(group_id, shard_index, node_id, state)
                VALUES (\(placement.shardGroup.group.rawValue), \(Int64(placement.shardGroup.index)),
                        \(placement.node.rawValue), \(placement.state.rawValue))
                """)
        }
        try await writeTables(diff, connection)
        try await writeSchemaObjects(diff, connection)
    }

    private static func writeTables(_ diff: CatalogDiff, _ connection: PostgresConnection) async throws {
        func run(_ query: PostgresQuery) async throws { try await connection.query(query, logger: logger) }
        let tableIDs = (diff.removedTables + diff.upsertedTables.map(\.id)).map(\.rawValue)
        if !tableIDs.isEmpty {
            try await run("DELETE FROM shardql.tables WHERE id = ANY(\(tableIDs))")
            try await run("DELETE FROM shardql.columns WHERE table_id = ANY(\(tableIDs))")
        }
        if !diff.removedTables.isEmpty {
            try await run("DELETE FROM shardql.table_keys WHERE table_id = ANY(\(diff.removedTables.map(\.rawValue)))")
        }
        for table in diff.upsertedTables {
            try await run(
                """
                INSERT INTO shardql.tables(
                    id, name, kind, distribution, distribution_column, colocation_group, replication_factor,
                    create_sql, is_strict, without_rowid)
                VALUES (\(table.id.rawValue), \(table.name), \(table.kind.rawValue), \(table.distribution.rawValue),
                        \(table.distributionColumn), \(table.colocationGroup.rawValue),
                        \(Int64(table.replicationFactor)), \(table.createSQL), \(table.isStrict),
                        \(table.isWithoutRowID))
                """)
            guard !table.columns.isEmpty else { continue }
            // All columns in one statement: unnest over parallel arrays (-1 stands for "not in the key").
            let columns = table.columns
            try await run(
                """
                INSERT INTO shardql.columns(
                    table_id, ordinal, name, declared_type, affinity, "collation", not_null, primary_key_position,
                    has_default)
                SELECT \(table.id.rawValue), o, n, t, a, co, nn, nullif(pk, -1), hd FROM unnest(
                    \(columns.map { Int64($0.ordinal) })::bigint[], \(columns.map(\.name))::text[],
                    \(columns.map(\.declaredType))::text[], \(columns.map(\.affinity.rawValue))::text[],
                    \(columns.map(\.collation.rawValue))::text[], \(columns.map(\.notNull))::boolean[],
                    \(columns.map { $0.primaryKeyPosition.map(Int64.init) ?? -1 })::bigint[],
                    \(columns.map(\.hasDefault))::boolean[]) AS c(o, n, t, a, co, nn, pk, hd)
                """)
        }
    }

    private static func writeSchemaObjects(_ diff: CatalogDiff, _ connection: PostgresConnection) async throws {
        func run(_ query: PostgresQuery) async throws { try await connection.query(query, logger: logger) }
        if !diff.removedViews.isEmpty { try await run("DELETE FROM shardql.views WHERE name = ANY(\(diff.removedViews))") }
        for view in diff.upsertedViews {
            try await run("INSERT INTO shardql.views(name, sql) VALUES (\(view.name), \(view.sql))")
        }
        if !diff.removedIndexes.isEmpty {
            try await run("DELETE FROM shardql.indexes WHERE name = ANY(\(diff.removedIndexes))")
        }
        for index in diff.upsertedIndexes {
            try await run(
                """
                INSERT INTO shardql.indexes(name, table_id, sql, is_unique)
                VALUES (\(index.name), \(index.table.rawValue), \(index.sql), \(index.isUnique))
                """)
        }
        if !diff.removedTriggers.isEmpty {
            try await run("DELETE FROM shardql.triggers WHERE name = ANY(\(diff.removedTriggers))")
        }
        for trigger in diff.upsertedTriggers {
            try await run(
                """
                INSERT INTO shardql.triggers(name, table_id, sql)
                VALUES (\(trigger.name), \(trigger.table.rawValue), \(trigger.sql))
                """)
        }
    }
}
