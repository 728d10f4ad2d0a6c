/// One step of the PostgreSQL catalog's schema (all in the schema `shardql`): the statements that
/// bring it from `version - 1` to `version`. Steps are only ever appended; a released step never
/// changes. The numbering is this store's own, independent of the embedded store's.
package struct PostgresCatalogMigration: Sendable {
    package var version: Int64
    package var statements: [String]

    package init(version: Int64, statements: [String]) {
        self.version = version
        self.statements = statements
    }

    /// The steps this build knows, in order. The newest `version` is what it writes.
    package static let all: [PostgresCatalogMigration] = [
        PostgresCatalogMigration(version: 1, statements: version1)
    ]

    // The same records as the embedded catalog (SQLiteCatalogMigration), typed for PostgreSQL.
    // Hash bounds are UInt64 stored as the bigint with the same bit pattern. Names of views,
    // indexes and triggers are keyed by their stored spelling: uniqueness ignoring case is
    // checked on the snapshot (CatalogSnapshot.applying), and records are removed by stored name.
    // `transactions` is the two-phase-commit decision log; `participants` is `group:index` pairs
    // joined by commas ("3:0,3:1"), as in the embedded store.
    private static let version1 = [
        "CREATE TABLE shardql.meta(key text PRIMARY KEY, value bigint NOT NULL)",
        """
        CREATE TABLE shardql.nodes(
            id bigint PRIMARY KEY, address text NOT NULL UNIQUE, state text NOT NULL, last_heartbeat bigint)
        """,
        """
        CREATE TABLE shardql.colocation_groups(
            id bigint PRIMARY KEY, kind text NOT NULL, shard_count bigint NOT NULL,
            distribution_affinity text, distribution_collation text)
        """,
        """
        CREATE TABLE shardql.shard_groups(
            group_id bigint NOT NULL, shard_index bigint NOT NULL, hash_min bigint NOT NULL,
            hash_max bigint NOT NULL, PRIMARY KEY(group_id, shard_index))
        """,
        """
        CREATE TABLE shardql.placements(
            group_id bigint NOT NULL, shard_index bigint NOT NULL, node_id bigint NOT NULL, state text NOT NULL,
            PRIMARY KEY(group_id, shard_index, node_id))
        """,
        """
        CREATE TABLE shardql.tables(
            id bigint PRIMARY KEY, name text NOT NULL, kind text NOT NULL, distribution text NOT NULL,
            distribution_column text, colocation_group bigint NOT NULL, replication_factor bigint NOT NULL,
            create_sql text NOT NULL, is_strict boolean NOT NULL, without_rowid boolean NOT NULL)
        """,
        """
        CREATE TABLE shardql.columns(
            table_id bigint NOT NULL, ordinal bigint NOT NULL, name text NOT NULL, declared_type text NOT NULL,
            affinity text NOT NULL, "collation" text NOT NULL, not_null boolean NOT NULL,
            primary_key_position bigint, has_default boolean NOT NULL, PRIMARY KEY(table_id, ordinal))
        """,
        "CREATE TABLE shardql.views(name text PRIMARY KEY, sql text NOT NULL)",
        """
        CREATE TABLE shardql.indexes(
            name text PRIMARY KEY, table_id bigint NOT NULL, sql text NOT NULL, is_unique boolean NOT NULL)
        """,
        "CREATE TABLE shardql.triggers(name text PRIMARY KEY, table_id bigint NOT NULL, sql text NOT NULL)",
        "CREATE TABLE shardql.table_keys(table_id bigint PRIMARY KEY, last_key bigint NOT NULL)",
        """
        CREATE TABLE shardql.transactions(
            id text PRIMARY KEY, state text NOT NULL, participants text NOT NULL, owner text NOT NULL,
            started_at bigint NOT NULL)
        """,
        // reserved_id: past every ID reserveIDs handed out; a row from the start, so reservers
        // lock it (and next_id) rather than racing to insert it.
        "INSERT INTO shardql.meta(key, value) VALUES ('catalog_version', 0), ('next_id', 1), ('reserved_id', 0)",
    ]
}
