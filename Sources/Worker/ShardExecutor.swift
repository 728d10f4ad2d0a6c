import ShardQLBase

/// Names one shard file on a worker: shard `index` of co-location group `group`. Co-located
/// tables share the file, each under its own name, so a co-located join is a plain SQLite join.
public struct ShardFileID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var group: Int64
    public var index: Int

    public init(group: Int64, index: Int) {
        self.group = group
        self.index = index
    }

    /// The file name inside a worker's shard directory.
    public var fileName: String { "g\(group)-s\(index).sqlite" }

    public var description: String { "group \(group) shard \(index)" }

    public static func < (lhs: ShardFileID, rhs: ShardFileID) -> Bool {
        (lhs.group, lhs.index) < (rhs.group, rhs.index)
    }
}

/// Rows a fragment returned: column names once, then the rows.
public struct RowSet: Sendable, Hashable {
    public var columns: [String]
    public var rows: [[SQLValue]]

    public init(columns: [String], rows: [[SQLValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

/// One statement of a write, with its parameters.
public struct ShardStatement: Sendable, Hashable {
    public var sql: String
    public var parameters: [SQLValue]

    public init(_ sql: String, parameters: [SQLValue] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}

/// What one write statement did on one shard.
public struct WriteOutcome: Sendable, Hashable {
    /// `sqlite3_changes()` after the statement.
    public var changes: Int
    /// `sqlite3_last_insert_rowid()` after the statement.
    public var lastInsertRowID: Int64
    /// Rows of a `RETURNING` clause (empty otherwise).
    public var returned: RowSet

    public init(changes: Int, lastInsertRowID: Int64, returned: RowSet) {
        self.changes = changes
        self.lastInsertRowID = lastInsertRowID
        self.returned = returned
    }
}

/// The seam between the coordinator and the workers holding shard files (DESIGN §5): an
/// in-process implementation now (``LocalWorker``), a gRPC one later, sharing every test.
///
/// Writes are two calls: ``write(_:on:)`` runs the statements inside a transaction it leaves
/// open, and ``finish(_:commit:)`` commits or rolls it back, so a statement touching several
/// shards commits on all of them or on none.
public protocol ShardExecutor: Sendable {
    /// Creates an empty shard file (refuses an existing one).
    func createShard(_ shard: ShardFileID) async throws
    /// Deletes a shard file and everything in it; a missing file is not an error.
    func dropShard(_ shard: ShardFileID) async throws
    /// Runs a read-only query on a shard and returns all its rows.
    func query(_ sql: String, parameters: [SQLValue], on shard: ShardFileID) async throws -> RowSet
    /// Starts `read` on `shard`; rows arrive in batches of at most `batchRows` rows, pulled lazily
    /// (at most one batch is produced ahead of the consumer). Ending iteration early (break, a
    /// cancelled task, dropping the stream) stops the statement and releases its connection; a step
    /// running when the consuming task is cancelled is interrupted (sqlite3_interrupt).
    ///
    /// ```swift
    /// let stream = try await executor.read(ShardRead("SELECT a, b FROM t"), on: shard, batchRows: 512)
    /// print(stream.columns)  // ["a", "b"]
    /// for try await batch in stream { consume(batch) }
    /// ```
    ///
    /// - Throws: errors preparing the statement (syntax, no such table), binding its parameters or
    ///   attaching files (``ShardQLError/Code/io`` for a missing one); errors while it runs are
    ///   thrown by the stream's iterator.
    func read(_ read: ShardRead, on shard: ShardFileID, batchRows: Int) async throws -> ShardRowStream
    /// Begins a write transaction on the shard (unless one is open) and runs the statements in it.
    func write(_ statements: [ShardStatement], on shard: ShardFileID) async throws -> [WriteOutcome]
    /// Commits or rolls back the shard's open write transaction; nothing happens if none is open.
    func finish(_ shard: ShardFileID, commit: Bool) async throws
    /// Closes every open file.
    func close() async
}
