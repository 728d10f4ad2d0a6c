import ShardQLBase

/// A read-only statement to run on one shard file, with its parameters and the reference files
/// it needs beside it.
///
/// ```swift
/// // `countries` lives in reference file g9-s0; `orders` in the shard the read runs on.
/// let read = ShardRead(
///     "SELECT c.name, count(*) FROM orders o JOIN countries c ON c.code = o.country GROUP BY 1",
///     attaching: [ShardFileID(group: 9, index: 0)])
/// let stream = try await executor.read(read, on: shard, batchRows: 1024)
/// ```
public struct ShardRead: Sendable, Hashable {
    /// One read-only statement.
    public var sql: String
    /// Values for the statement's parameters, in order.
    public var parameters: [SQLValue]
    /// Shard files (reference tables) ATTACHed to the connection running `sql`, so the fragment can
    /// name their tables unqualified (SQLite looks in main first, then attached databases in order).
    ///
    /// At most 10 files (SQLite's limit on attached databases); each is attached as `a<group>_<index>`
    /// (`"a9_0"` above), which qualifies a name when two files hold the same one.
    public var attaching: [ShardFileID]
    /// When set and open on the shard, the read sees this transaction's own changes (and runs on
    /// its connection, collected whole); otherwise it sees the last committed state.
    public var transaction: TransactionID?

    /// Creates a read; see the properties.
    public init(
        _ sql: String, parameters: [SQLValue] = [], attaching: [ShardFileID] = [], transaction: TransactionID? = nil
    ) {
        self.sql = sql
        self.parameters = parameters
        self.attaching = attaching
        self.transaction = transaction
    }
}

extension ShardFileID {
    /// The schema name a ``ShardRead`` attaches this file under.
    public var attachmentName: String { "a\(group)_\(index)" }
}
