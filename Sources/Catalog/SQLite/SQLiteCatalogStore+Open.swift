import SQLiteCore
import ShardQLBase

extension SQLiteCatalogStore {
    /// Recognises the file, creates the schema in an empty one and upgrades an older one, all in
    /// one immediate transaction so two processes opening a new file cannot both create it.
    static func prepareFile(
        _ connection: SQLiteConnection, path: String, migrations: [SQLiteCatalogMigration]
    ) throws {
        // The catalog records decisions (two-phase commit outcomes) that must survive power
        // loss, so every commit is synced, unlike the shards' WAL default of NORMAL.
        do {
            try connection.execute("PRAGMA synchronous = FULL")
            try connection.transaction(.immediate) {
                try migrate(connection, path: path, migrations: migrations)
            }
        } catch let error as ShardQLError where error.sqliteResultCode.map({ $0 & 0xFF }) == 26 {
            throw notACatalog(path, error)
        }
    }

    private static func migrate(
        _ connection: SQLiteConnection, path: String, migrations: [SQLiteCatalogMigration]
    ) throws {
        let applicationID = try integer("PRAGMA application_id", connection)
        let objectCount = try integer("SELECT count(*) FROM sqlite_schema", connection)
        let version: Int64
        if applicationID == 0, objectCount == 0 {
            try connection.execute("PRAGMA application_id = \(Self.applicationID)")
            version = 0
        } else if applicationID == Int64(Self.applicationID) {
            version = try readSchemaVersion(connection, path: path)
        } else {
            throw ShardQLError(
                .invalidArgument,
                "'\(path)' is not a ShardQL catalog: it is another SQLite database "
                    + "(application_id \(applicationID), \(objectCount) schema objects)")
        }
        for step in try CatalogMigrations.pending(
            migrations, version: \.version, from: version, catalog: "the catalog '\(path)'")
        {
            try connection.execute(step.sql)
            try setMeta("schema_version", step.version, connection)
        }
    }

    private static func readSchemaVersion(_ connection: SQLiteConnection, path: String) throws -> Int64 {
        let hasMeta = try integer(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'", connection)
        guard hasMeta == 1 else {
            throw ShardQLError(.invalidArgument, "'\(path)' is not a ShardQL catalog: it has no meta table")
        }
        let statement = try connection.prepare("SELECT value FROM meta WHERE key = 'schema_version'")
        guard case .integer(let version)? = try statement.rows().first?.first else {
            throw ShardQLError(.invalidArgument, "'\(path)' is not a ShardQL catalog: it records no schema version")
        }
        return version
    }

    private static func integer(_ sql: String, _ connection: SQLiteConnection) throws -> Int64 {
        guard case .integer(let value)? = try connection.prepare(sql).rows().first?.first else {
            throw ShardQLError(.internalError, "expected an integer from: \(sql)")
        }
        return value
    }

    static func notACatalog(_ path: String, _ cause: ShardQLError) -> ShardQLError {
        ShardQLError(.invalidArgument, "'\(path)' is not a ShardQL catalog: it is not an SQLite database", cause: cause)
    }
}
