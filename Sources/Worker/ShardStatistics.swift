/// What one shard file holds: the rows of each table in it and the file's size, for `.shards`
/// and the balance figures an operator looks at.
///
/// ```swift
/// let statistics = try await executor.statistics(of: ShardFileID(group: 2, index: 0))
/// print(statistics.rowsByTable["orders"] ?? 0, statistics.bytes)
/// ```
public struct ShardStatistics: Sendable, Hashable {
    /// Rows of each user table in the file, by the table's name as the file spells it.
    public var rowsByTable: [String: Int64]
    /// The database's size in bytes (pages in use times the page size, committed WAL pages
    /// included).
    public var bytes: Int64

    /// Creates the value from its parts.
    public init(rowsByTable: [String: Int64], bytes: Int64) {
        self.rowsByTable = rowsByTable
        self.bytes = bytes
    }
}
