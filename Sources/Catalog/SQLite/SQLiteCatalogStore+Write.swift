import SQLiteCore
import ShardQLBase

extension SQLiteCatalogStore {
    /// Applies `changes` inside the caller's transaction and returns the snapshot after them.
    /// ``apply(_:expectedVersion:)`` and a committing `decide` both use it, so DDL that commits
    /// with a distributed transaction is checked and written exactly as any other.
    static func apply(
        _ changes: [CatalogChange], expectedVersion: Int64?, cached: CatalogSnapshot?, _ connection: SQLiteConnection
    ) throws -> CatalogSnapshot {
        let stored = try meta("catalog_version", connection)
        if let expectedVersion, expectedVersion != stored {
            throw ShardQLError.catalogVersionConflict(expected: expectedVersion, actual: stored)
        }
        let current = if let cached, cached.version == stored { cached } else { try loadSnapshot(connection) }
        let next = try current.applying(changes)
        try write(CatalogDiff(from: current, to: next), connection)
        try setMeta("catalog_version", next.version, connection)
        try setMeta("next_id", next.nextID, connection)
        return next
    }

    /// Writes the rows that differ between two snapshots; a changed record is deleted and
    /// inserted again, which for a catalog this small is simpler than column-wise updates.
    static func write(_ diff: CatalogDiff, _ connection: SQLiteConnection) throws {
        for id in diff.removedNodes + diff.upsertedNodes.map(\.id) {
            try run("DELETE FROM nodes WHERE id = ?", [.integer(id.rawValue)], connection)
        }
        for node in diff.upsertedNodes {
            try run(
                "INSERT INTO nodes(id, address, state, last_heartbeat) VALUES (?, ?, ?, ?)",
                [
                    .integer(node.id.rawValue), .text(node.address), .text(node.state.rawValue),
                    node.lastHeartbeat.map(SQLValue.integer) ?? .null,
                ],
                connection)
        }
        for id in diff.removedGroups + diff.upsertedGroups.map(\.id) {
            try run("DELETE FROM colocation_groups WHERE id = ?", [.integer(id.rawValue)], connection)
        }
        for group in diff.upsertedGroups {
            try run(
                """
                INSERT INTO colocation_groups(id, kind, shard_count, distribution_affinity, distribution_collation)
                VALUES (?, ?, ?, ?, ?)
                """,
                [
                    .integer(group.id.rawValue), .text(group.kind.rawValue), .integer(Int64(group.shardCount)),
                    group.distributionAffinity.map { .text($0.rawValue) } ?? .null,
                    group.distributionCollation.map { .text($0.rawValue) } ?? .null,
                ],
                connection)
        }
        for group in diff.removedShardGroupsOf + Array(diff.upsertedShardGroups.keys) {
            try run("DELETE FROM shard_groups WHERE group_id = ?", [.integer(group.rawValue)], connection)
        }
        for shard in diff.upsertedShardGroups.values.joined() {
            try run(
                "INSERT INTO shard_groups(group_id, shard_index, hash_min, hash_max) VALUES (?, ?, ?, ?)",
                [
                    .integer(shard.group.rawValue), .integer(Int64(shard.index)),
                    .integer(Int64(bitPattern: shard.hashRange.lowerBound)),
                    .integer(Int64(bitPattern: shard.hashRange.upperBound)),
                ],
                connection)
        }
        for shard in diff.removedPlacementsOf + Array(diff.upsertedPlacements.keys) {
            try run(
                "DELETE FROM placements WHERE group_id = ? AND shard_index = ?",
                [.integer(shard.group.rawValue), .integer(Int64(shard.index))], connection)
        }
        for placement in diff.upsertedPlacements.values.joined() {
            try run(
                "INSERT INTO placements(group_id, shard_index, node_id, state) VALUES (?, ?, ?, ?)",
                [
                    .integer(placement.shardGroup.group.rawValue), .integer(Int64(placement.shardGroup.index)),
                    .integer(placement.node.rawValue), .text(placement.state.rawValue),
                ],
                connection)
        }
        try writeTables(diff, connection)
        try writeSchemaObjects(diff, connection)
    }

    private static func writeTables(_ diff: CatalogDiff, _ connection: SQLiteConnection) throws {
        for id in diff.removedTables + diff.upsertedTables.map(\.id) {
            try run("DELETE FROM tables WHERE id = ?", [.integer(id.rawValue)], connection)
            try run("DELETE FROM columns WHERE table_id = ?", [.integer(id.rawValue)], connection)
        }
        for id in diff.removedTables {
            try run("DELETE FROM table_keys WHERE table_id = ?", [.integer(id.rawValue)], connection)
        }
        for table in diff.upsertedTables {
            try run(
                """
                INSERT INTO tables(id, name, kind, distribution, distribution_column, colocation_group,
                                   replication_factor, create_sql, is_strict, without_rowid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(table.id.rawValue), .text(table.name), .text(table.kind.rawValue),
                    .text(table.distribution.rawValue), table.distributionColumn.map(SQLValue.text) ?? .null,
                    .integer(table.colocationGroup.rawValue), .integer(Int64(table.replicationFactor)),
                    .text(table.createSQL), .integer(table.isStrict ? 1 : 0), .integer(table.isWithoutRowID ? 1 : 0),
                ],
                connection)
            for column in table.columns {
                try run(
                    """
                    INSERT INTO columns(table_id, ordinal, name, declared_type, affinity, collation, not_null,
                                        primary_key_position, has_default)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .integer(table.id.rawValue), .integer(Int64(column.ordinal)), .text(column.name),
                        .text(column.declaredType), .text(column.affinity.rawValue), .text(column.collation.rawValue),
                        .integer(column.notNull ? 1 : 0),
                        column.primaryKeyPosition.map { .integer(Int64($0)) } ?? .null,
                        .integer(column.hasDefault ? 1 : 0),
                    ],
                    connection)
            }
        }
    }

    private static func writeSchemaObjects(_ diff: CatalogDiff, _ connection: SQLiteConnection) throws {
        // Names compare with NOCASE in these tables, like the snapshot's keys.
        for name in diff.removedViews {
            try run("DELETE FROM views WHERE name = ?", [.text(name)], connection)
        }
        for view in diff.upsertedViews {
            try run("INSERT INTO views(name, sql) VALUES (?, ?)", [.text(view.name), .text(view.sql)], connection)
        }
        for name in diff.removedIndexes {
            try run("DELETE FROM indexes WHERE name = ?", [.text(name)], connection)
        }
        for index in diff.upsertedIndexes {
            try run(
                "INSERT INTO indexes(name, table_id, sql, is_unique) VALUES (?, ?, ?, ?)",
                [
                    .text(index.name), .integer(index.table.rawValue), .text(index.sql),
                    .integer(index.isUnique ? 1 : 0),
                ],
                connection)
        }
        for name in diff.removedTriggers {
            try run("DELETE FROM triggers WHERE name = ?", [.text(name)], connection)
        }
        for trigger in diff.upsertedTriggers {
            try run(
                "INSERT INTO triggers(name, table_id, sql) VALUES (?, ?, ?)",
                [.text(trigger.name), .integer(trigger.table.rawValue), .text(trigger.sql)], connection)
        }
    }
}
