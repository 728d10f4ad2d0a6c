import SQLiteCore
import ShardQLBase

extension SQLiteCatalogStore {
    /// The catalog as it is, reusing `cached` while the stored version is its version; call it
    /// inside a transaction.
    static func currentSnapshot(cached: CatalogSnapshot?, _ connection: SQLiteConnection) throws -> CatalogSnapshot {
        let version = try meta("catalog_version", connection)
        if let cached, cached.version == version { return cached }
        return try loadSnapshot(connection)
    }

    /// Reads the whole catalog; call it inside a transaction so the rows are one version's.
    static func loadSnapshot(_ connection: SQLiteConnection) throws -> CatalogSnapshot {
        let reader = RowReader(path: connection.path)
        let nodes = try reader.rows("SELECT id, address, state, last_heartbeat FROM nodes", connection) { row in
            Node(
                id: NodeID(try row.int(0)), address: try row.text(1), state: try row.decode(2),
                lastHeartbeat: try row.optionalInt(3))
        }
        let groups = try reader.rows(
            "SELECT id, kind, shard_count, distribution_affinity, distribution_collation FROM colocation_groups",
            connection
        ) { row in
            ColocationGroup(
                id: ColocationGroupID(try row.int(0)), kind: try row.decode(1), shardCount: Int(try row.int(2)),
                distributionAffinity: try row.optionalDecode(3), distributionCollation: try row.optionalDecode(4))
        }
        let shardGroups = try reader.rows(
            "SELECT group_id, shard_index, hash_min, hash_max FROM shard_groups", connection
        ) { row in
            ShardGroup(
                id: ShardGroupID(group: ColocationGroupID(try row.int(0)), index: Int(try row.int(1))),
                hashRange: UInt64(bitPattern: try row.int(2))...UInt64(bitPattern: try row.int(3)))
        }
        let placements = try reader.rows(
            "SELECT group_id, shard_index, node_id, state FROM placements", connection
        ) { row in
            Placement(
                shardGroup: ShardGroupID(group: ColocationGroupID(try row.int(0)), index: Int(try row.int(1))),
                node: NodeID(try row.int(2)), state: try row.decode(3))
        }
        let columns = try reader.rows(
            """
            SELECT table_id, ordinal, name, declared_type, affinity, collation, not_null, primary_key_position,
                   has_default
            FROM columns ORDER BY table_id, ordinal
            """,
            connection
        ) { row in
            (
                TableID(try row.int(0)),
                Column(
                    ordinal: Int(try row.int(1)), name: try row.text(2), declaredType: try row.text(3),
                    affinity: try row.decode(4), collation: try row.decode(5), notNull: try row.int(6) != 0,
                    primaryKeyPosition: try row.optionalInt(7).map(Int.init), hasDefault: try row.int(8) != 0)
            )
        }
        let columnsByTable = Dictionary(grouping: columns, by: \.0).mapValues { $0.map(\.1) }
        let tables = try reader.rows(
            """
            SELECT id, name, kind, distribution, distribution_column, colocation_group, replication_factor,
                   create_sql, is_strict, without_rowid
            FROM tables
            """,
            connection
        ) { row in
            let id = TableID(try row.int(0))
            return Table(
                id: id, name: try row.text(1), kind: try row.decode(2), distribution: try row.decode(3),
                distributionColumn: try row.optionalText(4), colocationGroup: ColocationGroupID(try row.int(5)),
                replicationFactor: Int(try row.int(6)), createSQL: try row.text(7), isStrict: try row.int(8) != 0,
                isWithoutRowID: try row.int(9) != 0, columns: columnsByTable[id] ?? [])
        }
        let views = try reader.rows("SELECT name, sql FROM views", connection) { row in
            View(name: try row.text(0), sql: try row.text(1))
        }
        let indexes = try reader.rows("SELECT name, table_id, sql, is_unique FROM indexes", connection) { row in
            Index(
                name: try row.text(0), table: TableID(try row.int(1)), sql: try row.text(2),
                isUnique: try row.int(3) != 0)
        }
        let triggers = try reader.rows("SELECT name, table_id, sql FROM triggers", connection) { row in
            Trigger(name: try row.text(0), table: TableID(try row.int(1)), sql: try row.text(2))
        }
        return CatalogSnapshot(
            version: try meta("catalog_version", connection), nextID: try meta("next_id", connection),
            nodes: nodes, colocationGroups: groups, shardGroups: shardGroups, placements: placements,
            tables: tables, views: views, indexes: indexes, triggers: triggers)
    }
}

/// Decodes catalog rows; a value of the wrong type means the file was edited by hand or damaged,
/// and is reported naming the file, table and column rather than guessed around.
struct RowReader {
    let path: String

    struct Row {
        let values: [SQLValue]
        let sql: String
        let path: String

        func corrupt(_ index: Int, _ expected: String) -> ShardQLError {
            ShardQLError(
                .internalError,
                "the catalog '\(path)' is damaged: expected \(expected) in column \(index) of: \(sql); "
                    + "found \(values[index].typeName) \(values[index].sqliteText ?? "")")
        }

        func int(_ index: Int) throws -> Int64 {
            guard case .integer(let value) = values[index] else { throw corrupt(index, "an integer") }
            return value
        }

        func optionalInt(_ index: Int) throws -> Int64? {
            values[index] == .null ? nil : try int(index)
        }

        func text(_ index: Int) throws -> String {
            guard case .text(let value) = values[index] else { throw corrupt(index, "text") }
            return value.string
        }

        func optionalText(_ index: Int) throws -> String? {
            values[index] == .null ? nil : try text(index)
        }

        func decode<T: RawRepresentable<String>>(_ index: Int) throws -> T {
            guard let value = T(rawValue: try text(index)) else { throw corrupt(index, "a \(T.self)") }
            return value
        }

        func optionalDecode<T: RawRepresentable<String>>(_ index: Int) throws -> T? {
            values[index] == .null ? nil : try decode(index) as T
        }
    }

    func rows<T>(_ sql: String, _ connection: SQLiteConnection, _ decode: (Row) throws -> T) throws -> [T] {
        try connection.prepare(sql).rows().map { try decode(Row(values: $0, sql: sql, path: path)) }
    }
}
