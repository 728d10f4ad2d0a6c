/// One step of the embedded catalog's schema: the SQL that brings a file from `version - 1` to
/// `version`. Steps are only ever appended; a released step never changes.
package struct SQLiteCatalogMigration: Sendable {
    package var version: Int64
    package var sql: String

    package init(version: Int64, sql: String) {
        self.version = version
        self.sql = sql
    }

    /// The steps this build knows, in order. The newest `version` is what it writes.
    package static let all: [SQLiteCatalogMigration] = [
        SQLiteCatalogMigration(version: 1, sql: version1),
        SQLiteCatalogMigration(version: 2, sql: version2),
    ]

    // Hash bounds are UInt64 stored as the Int64 with the same bit pattern (lossless; never
    // compared in SQL). Names of views, indexes and triggers compare with NOCASE, which is
    // SQLite's ASCII-only case folding, as name lookups are.
    private static let version1 = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT, WITHOUT ROWID;
        CREATE TABLE nodes(
            id INTEGER PRIMARY KEY, address TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
            last_heartbeat INTEGER
        ) STRICT;
        CREATE TABLE colocation_groups(
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, shard_count INTEGER NOT NULL,
            distribution_affinity TEXT, distribution_collation TEXT
        ) STRICT;
        CREATE TABLE shard_groups(
            group_id INTEGER NOT NULL, shard_index INTEGER NOT NULL,
            hash_min INTEGER NOT NULL, hash_max INTEGER NOT NULL,
            PRIMARY KEY(group_id, shard_index)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE placements(
            group_id INTEGER NOT NULL, shard_index INTEGER NOT NULL, node_id INTEGER NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY(group_id, shard_index, node_id)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE tables(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, distribution TEXT NOT NULL,
            distribution_column TEXT, colocation_group INTEGER NOT NULL,
            replication_factor INTEGER NOT NULL, create_sql TEXT NOT NULL,
            is_strict INTEGER NOT NULL, without_rowid INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE columns(
            table_id INTEGER NOT NULL, ordinal INTEGER NOT NULL, name TEXT NOT NULL,
            declared_type TEXT NOT NULL, affinity TEXT NOT NULL, collation TEXT NOT NULL,
            not_null INTEGER NOT NULL, primary_key_position INTEGER, has_default INTEGER NOT NULL,
            PRIMARY KEY(table_id, ordinal)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE views(name TEXT PRIMARY KEY COLLATE NOCASE, sql TEXT NOT NULL) STRICT, WITHOUT ROWID;
        CREATE TABLE indexes(
            name TEXT PRIMARY KEY COLLATE NOCASE, table_id INTEGER NOT NULL, sql TEXT NOT NULL,
            is_unique INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE triggers(
            name TEXT PRIMARY KEY COLLATE NOCASE, table_id INTEGER NOT NULL, sql TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE table_keys(table_id INTEGER PRIMARY KEY, last_key INTEGER NOT NULL) STRICT;
        INSERT INTO meta(key, value) VALUES ('catalog_version', 0), ('next_id', 1);
        """

    // The two-phase-commit decision log (TransactionRecord). It is not schema, so writing it
    // leaves catalog_version alone. `participants` lists shard groups as `group:index` pairs in
    // decimal, sorted and joined by commas ("3:0,3:1"; "" for none): readable in the sqlite3
    // shell, and never queried by value. `state` is a TransactionRecord.State raw value.
    private static let version2 = """
        CREATE TABLE transactions(
            id TEXT PRIMARY KEY, state TEXT NOT NULL, participants TEXT NOT NULL, owner TEXT NOT NULL,
            started_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        """
}
