import ShardQLBase

/// How `shardql import` (and `.import`) reads its files and what it makes of them.
public struct ImportOptions: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case csv, tsv, jsonl, sqlite

        /// The format a file name suggests (`.gz` looked through): `.tsv`/`.tab`, `.jsonl`/
        /// `.ndjson`, `.sqlite`/`.db`/`.sqlite3`; anything else is CSV.
        public static func guessed(from path: String) -> Format {
            var name = path.lowercased()
            if name.hasSuffix(".gz") { name.removeLast(3) }
            if name.hasSuffix(".tsv") || name.hasSuffix(".tab") { return .tsv }
            if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
            if name.hasSuffix(".sqlite") || name.hasSuffix(".sqlite3") || name.hasSuffix(".db") { return .sqlite }
            return .csv
        }
    }

    /// `nil`: guessed from each file's name.
    public var format: Format?
    /// Whether a CSV/TSV file's first record names the columns (`nil`: yes).
    public var header: Bool?
    public var delimiter: UInt8?
    /// The quote character; `.some(nil)` reads quotes as ordinary characters.
    public var quote: UInt8??
    /// An unquoted field equal to this is NULL (e.g. `NA`).
    public var nullText: String?
    /// The table columns the file's fields go to, in order.
    public var columns: [String]?
    /// Create the table (from `schema`, or with types inferred from the first ``sampleRows``).
    public var create = false
    /// A `CREATE TABLE …` statement for `create`.
    public var schema: String?
    public var distributeBy: String?
    /// Shards of a table created with ``distributeBy`` (otherwise the cluster's default count).
    public var shards: Int?
    /// Copies of each shard of a table created with ``distributeBy`` (otherwise the cluster's default).
    public var replicas: Int?
    public var reference = false
    /// Rows refused (bad input) allowed before the import aborts and imports nothing.
    public var maxErrors = 0
    /// Where every refused row's error goes.
    public var errorsFile: String?
    /// Read, check and route everything, then roll back.
    public var dryRun = false
    /// `--format sqlite`: the table to copy out of the file (`nil`: the table of the same name).
    public var sourceTable: String?
    /// Records read to infer column types for `create`.
    public var sampleRows = 10_000

    public init() {}
}

/// Where an import stands, reported as it runs.
public struct ImportProgress: Sendable {
    public var file: String
    public var rows: Int
    /// Bytes of input read (uncompressed).
    public var bytes: Int64
    /// How far into the files on disk (`nil` when unknown) out of ``totalFileBytes``.
    public var fileBytes: Int64?
    public var totalFileBytes: Int64
    public var seconds: Double
}

/// What an import did.
public struct ImportReport: Sendable {
    public var table: String
    public var created: Bool
    public var rows: Int
    public var rejected: Int
    public var bytes: Int64
    public var seconds: Double
    /// Rows written to each shard, in shard order.
    public var rowsPerShard: [Int]
    public var dryRun: Bool

    public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }

    /// The fullest shard over the mean (1.0: even).
    public var skew: Double {
        guard !rowsPerShard.isEmpty, rows > 0 else { return 1 }
        return Double(rowsPerShard.max()!) / (Double(rows) / Double(rowsPerShard.count))
    }
}
