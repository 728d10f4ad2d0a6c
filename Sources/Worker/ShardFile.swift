import SQLiteCore
import ShardQLBase

/// The format stamp every shard file carries, so a file from another program or a newer ShardQL
/// is refused instead of guessed at.
enum ShardFileFormat {
    /// `PRAGMA application_id`: "SQLS" in ASCII.
    static let applicationID: Int32 = 0x5351_4C53
    /// `PRAGMA user_version`: bumped whenever the layout inside shard files changes.
    /// Version 2 added ``preparedTable``.
    static let version: Int32 = 2

    /// Where phase one of two-phase commit leaves a transaction's changes until its decision: the
    /// transaction's id, its redo log (`SQLiteRedoStatement.encode`), and when it was prepared.
    static let preparedTable = "_shardql_prepared"

    /// A source's change log while a copy of the file is made (``ShardMaintenance``): each
    /// committed transaction's redo log, by position. Present only while logging.
    static let changeLogTable = "_shardql_changes"
    /// On a copy being caught up: the source's log position it has replayed up to.
    static let copyTable = "_shardql_copy"
    /// Present when the file's copy has moved to another node: the file refuses every call.
    static let retiredTable = "_shardql_retired"

    private static let createPreparedTable = """
        CREATE TABLE IF NOT EXISTS \(preparedTable)(
            txid TEXT PRIMARY KEY, redo BLOB NOT NULL, prepared_at INTEGER NOT NULL
        ) WITHOUT ROWID
        """

    /// Stamps a new file, or checks an existing one and brings an older layout up to date.
    static func stampOrCheck(_ connection: SQLiteConnection, path: String, isNew: Bool) throws {
        if isNew {
            try connection.transaction {
                try connection.execute(createPreparedTable)
                try connection.execute("PRAGMA application_id = \(applicationID); PRAGMA user_version = \(version)")
            }
            return
        }
        let application = try integer(connection, "PRAGMA application_id")
        let fileVersion = try integer(connection, "PRAGMA user_version")
        guard application == Int64(applicationID) else {
            throw ShardQLError(.io, "'\(path)' is not a ShardQL shard file")
        }
        guard fileVersion <= Int64(version) else {
            throw ShardQLError(
                .io, "shard file '\(path)' has format version \(fileVersion); this ShardQL reads up to \(version)")
        }
        if fileVersion < Int64(version) {
            try connection.transaction {
                try connection.execute(createPreparedTable)
                try connection.execute("PRAGMA user_version = \(version)")
            }
        }
    }

    private static func integer(_ connection: SQLiteConnection, _ sql: String) throws -> Int64 {
        let statement = try connection.prepare(sql)
        guard try statement.step(), case .integer(let value) = statement.column(0) else { return 0 }
        return value
    }
}
