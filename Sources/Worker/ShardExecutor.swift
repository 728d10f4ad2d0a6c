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
/// Writes happen inside a distributed transaction, named by a ``TransactionID`` the coordinator
/// chooses. On each shard it touches, the transaction first takes the file's write lock
/// (``begin(_:on:recording:)``, or implicitly with the first ``write(_:on:in:recording:)``), so
/// the rows it reads through ``ShardRead/transaction`` cannot change before it writes. It then
/// ends on every shard in one of two ways:
/// - **one phase** — ``commit(_:on:)`` or ``abort(_:on:)``: for a transaction that wrote one shard;
/// - **two phases** (presumed abort) — ``prepare(_:on:)`` makes the shard's changes durable
///   inside the shard file *without applying them* (readers keep seeing the state before), the
///   coordinator records its decision, and ``commitPrepared(_:on:)`` applies them (or
///   ``abort(_:on:)`` drops them). Both are idempotent, so recovery may repeat them; a shard
///   holding a prepared transaction refuses other writers until it is decided.
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
    /// A read naming a ``ShardRead/transaction`` open on the shard sees that transaction's own
    /// changes; any other read sees the last committed state.
    ///
    /// - Throws: errors preparing the statement (syntax, no such table), binding its parameters or
    ///   attaching files (``ShardQLError/Code/io`` for a missing one); errors while it runs are
    ///   thrown by the stream's iterator.
    func read(_ read: ShardRead, on shard: ShardFileID, batchRows: Int) async throws -> ShardRowStream

    /// Opens `transaction` on the shard: takes the file's write lock, waiting up to the busy
    /// timeout for another writer, or for another transaction's prepared changes to be decided.
    /// Nothing happens when the transaction is already open there.
    ///
    /// With `recording`, the transaction records its row changes from now on, so it can
    /// ``prepare(_:on:)`` later; a transaction that may end in one phase need not pay for it.
    ///
    /// - Throws: ``ShardQLError/Code/busy`` when the lock is not free within the timeout.
    func begin(_ transaction: TransactionID, on shard: ShardFileID, recording: Bool) async throws
    /// Runs the statements in the transaction (opening it first if needed, see
    /// ``begin(_:on:recording:)``). A failing statement leaves no trace and ends nothing: the
    /// transaction stays open with what earlier statements did.
    func write(
        _ statements: [ShardStatement], on shard: ShardFileID, in transaction: TransactionID, recording: Bool
    ) async throws -> [WriteOutcome]
    /// Bulk load: runs `sql`, an INSERT with one parameter per column of `batch`, once per row in
    /// the transaction (opening it first if needed, see ``begin(_:on:recording:)``). A row SQLite
    /// refuses for its content (a constraint, a STRICT column's type, a value too big) leaves no
    /// trace and is reported in the outcome; after `rejectionLimit` such rows the rest of the
    /// batch is not tried. Any other failure throws, leaving the rows before it in the transaction.
    func ingest(
        _ batch: IngestBatch, sql: String, on shard: ShardFileID, in transaction: TransactionID, recording: Bool,
        rejectionLimit: Int
    ) async throws -> IngestOutcome
    /// `SAVEPOINT`, `RELEASE` or `ROLLBACK TO` inside the open transaction.
    func savepoint(_ operation: SavepointOperation, on shard: ShardFileID, in transaction: TransactionID) async throws
    /// Commits the open transaction on the shard in one phase.
    func commit(_ transaction: TransactionID, on shard: ShardFileID) async throws
    /// Phase one: stores the transaction's recorded changes durably in the shard file, without
    /// applying them, and ends its local transaction. Returns `false` when it changed nothing on
    /// the shard: then nothing is stored, and the shard takes no part in phase two.
    func prepare(_ transaction: TransactionID, on shard: ShardFileID) async throws -> Bool
    /// Phase two: applies the prepared changes and deletes their record, in one local
    /// transaction. Nothing happens when no record exists (already applied).
    func commitPrepared(_ transaction: TransactionID, on shard: ShardFileID) async throws
    /// Undoes the transaction on the shard, wherever it is: an open local transaction is rolled
    /// back, a prepared record deleted. Nothing happens when neither exists.
    func abort(_ transaction: TransactionID, on shard: ShardFileID) async throws
    /// The transactions prepared on the shard and not yet committed or aborted.
    func preparedTransactions(on shard: ShardFileID) async throws -> [TransactionID]
    /// Rows per user table and the size of the shard file, as last committed (ShardQL's own
    /// bookkeeping tables are left out).
    ///
    /// - Throws: ``ShardQLError/Code/io`` for a missing file.
    func statistics(of shard: ShardFileID) async throws -> ShardStatistics
    /// Asks the node whether it takes work: `true` when it serves, `false` when it is draining
    /// (finishing what runs, refusing new work). The in-process worker always serves.
    ///
    /// - Throws: ``ShardQLError/Code/unavailable`` when the node cannot be reached,
    ///   ``ShardQLError/Code/timeout`` when it does not answer within `timeout`.
    func ping(timeout: Duration) async throws -> Bool
    /// Closes every open file.
    func close() async
}

extension ShardExecutor {
    /// Serving: a worker in this process answers whenever it is asked.
    public func ping(timeout: Duration) async throws -> Bool { true }
}

/// Names a distributed transaction: text the coordinator chooses, unique across the cluster.
public struct TransactionID: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A savepoint statement inside a transaction, as SQLite defines it.
public enum SavepointOperation: Sendable, Hashable {
    /// `SAVEPOINT name`.
    case begin(String)
    /// `RELEASE name`: forgets the savepoint and every one inside it, keeping their changes.
    case release(String)
    /// `ROLLBACK TO name`: undoes what happened since, keeping the savepoint.
    case rollback(to: String)
}
