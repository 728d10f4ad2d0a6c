import SQLSyntax
import SQLiteCore
import ShardQLBase
import Worker

/// A distributed or reference table as the general path needs it: how to recreate it and where
/// its rows are.
struct LoadableTable: Sendable {
    var name: String
    /// The table's `CREATE TABLE` as the catalog keeps it (declared types, collations and
    /// constraints, no distribution clause), so copied values keep their storage class and
    /// compare as they do on the shards.
    var createSQL: String
    /// `CREATE INDEX` statements, so `INDEXED BY` finds its index.
    var indexSQL: [String]
    var hasRowID: Bool
    /// Every shard file holding some of the rows, once each.
    var shards: [ShardFileID]
    /// A condition the shards apply while rows are copied (``PushDownFilters``), with the alias
    /// it names the table by.
    var filter: PushDownFilters.Filter?
}

/// The general path's coordinator-local database (DESIGN §1, tier 3): the rows of every table
/// a statement reads are copied in from the shards, then SQLite answers the statement itself,
/// so the answer is SQLite's by construction.
struct ScratchDatabase {
    let database: SQLiteDatabase
    /// The most bytes the database may hold (`PRAGMA shardql.temp_size_limit`).
    let sizeLimit: Int

    /// An empty in-memory database whose `changes()`, `total_changes()` and `last_insert_rowid()`
    /// report the cluster's `counters`, not the scratch connection's own, and which holds at most
    /// `sizeLimit` bytes.
    static func open(
        counters: SessionCounters = SessionCounters(), sizeLimit: Int = SessionSettings.defaultTempSizeLimit
    ) async throws -> ScratchDatabase {
        var configuration = SQLiteConfiguration()
        configuration.walMode = false
        let database = try await SQLiteDatabase(path: ":memory:", configuration: configuration)
        try await database.withConnection { connection in
            let pageSize = try connection.prepare("PRAGMA page_size").rows().first?.first
            if case .integer(let bytes)? = pageSize, bytes > 0 {
                try connection.execute("PRAGMA max_page_count = \(max(1, sizeLimit / Int(bytes)))")
            }
            try connection.createFunction("changes", argumentCount: 0) { _ in .integer(Int64(counters.changes)) }
            try connection.createFunction("total_changes", argumentCount: 0) { _ in
                .integer(Int64(counters.totalChanges))
            }
            try connection.createFunction("last_insert_rowid", argumentCount: 0) { _ in
                .integer(counters.lastInsertRowID)
            }
        }
        return ScratchDatabase(database: database, sizeLimit: sizeLimit)
    }

    func close() async {
        await database.close()
    }

    /// Creates each table and copies its rows from all its shards (read in parallel, bounded by
    /// `parallelism`); returns how many rows were copied.
    @discardableResult
    func load(_ tables: [LoadableTable], from executor: any ShardExecutor, parallelism: Int) async throws -> Int {
        try await withSizeLimit { try await loadTables(tables, from: executor, parallelism: parallelism) }
    }

    private func loadTables(_ tables: [LoadableTable], from executor: any ShardExecutor, parallelism: Int) async throws -> Int {
        var copied = 0
        for table in tables {
            let columns = try Self.storedColumns(of: table)
            let selectList = (table.hasRowID ? ["rowid"] : []) + columns.map(Self.quoted)
            var fetch = "SELECT \(selectList.joined(separator: ", ")) FROM \(Self.quoted(table.name))"
            if let filter = table.filter {
                if let alias = filter.alias { fetch += " AS \(Self.quoted(alias))" }
                fetch += " WHERE " + filter.sql
            }
            let parts = try await Self.fetchAll(fetch, shards: table.shards, executor: executor, parallelism: parallelism)
            copied += parts.reduce(0) { $0 + $1.rows.count }
            let insert = Self.insertSQL(into: table.name, columns: selectList)
            try await database.withConnection { connection in
                try connection.execute(table.createSQL)
                for index in table.indexSQL { try connection.execute(index) }
                try Self.append(parts.lazy.flatMap(\.rows), with: insert, on: connection)
            }
        }
        return copied
    }

    /// Runs one statement and returns its rows.
    func run(_ sql: String) async throws -> RowSet {
        try await withSizeLimit {
            try await database.withConnection { connection in
                let statement = try connection.prepare(sql)
                return RowSet(columns: statement.columnNames, rows: try statement.rows())
            }
        }
    }

    /// Prepares `sql` and keeps it in `slot`, to be stepped a batch at a time by
    /// ``nextBatch(from:)``; returns its column names.
    func start(_ sql: String, in slot: StatementSlot) async throws -> [String] {
        try await withSizeLimit {
            try await database.withConnection { connection in
                let statement = try connection.prepare(sql)
                slot.set(statement)
                return statement.columnNames
            }
        }
    }

    /// The next rows of the statement in `slot` (about 1 MiB at most).
    func nextBatch(from slot: StatementSlot) async throws -> StatementSlot.Batch {
        try await withSizeLimit {
            try await database.withConnection { _ in try slot.nextBatch(maxRows: 4096, maxBytes: 1 << 20) }
        }
    }

    /// Drops the statement in `slot` (on the database's queue, where it was prepared), then
    /// closes the database. Runs to the end even when the caller's task is cancelled.
    func finish(_ slot: StatementSlot) async {
        let database = self.database
        await Task.detached {
            try? await database.withConnection { _ in slot.clear() }
            await database.close()
        }.value
    }

    /// Appends every row of `batches` to `table` (whose columns match the rows), in one
    /// transaction per batch.
    func insert<Batches: AsyncSequence>(_ batches: Batches, into table: String) async throws
    where Batches.Element == [[SQLValue]] {
        try await withSizeLimit {
            for try await batch in batches {
                guard let width = batch.first?.count else { continue }
                let sql = Self.insertSQL(into: table, width: width)
                try await database.withConnection { connection in try Self.append(batch, with: sql, on: connection) }
            }
        }
    }

    /// In one call on the database's queue: creates a table with `createSQL` (when given),
    /// appends `rows` to `table`, and when `query` is given runs it, drops `table` and returns the
    /// query's rows. A final step over few partial rows thus costs one trip to the queue.
    func load(
        _ rows: [[SQLValue]], into table: String, creatingWith createSQL: String?, thenRun query: String?
    ) async throws -> RowSet? {
        let insert = rows.first.map { Self.insertSQL(into: table, width: $0.count) }
        return try await withSizeLimit {
            try await database.withConnection { connection -> RowSet? in
                if let createSQL { try connection.execute(createSQL) }
                if let insert { try Self.append(rows, with: insert, on: connection) }
                guard let query else { return nil }
                let statement = try connection.prepare(query)
                let result = RowSet(columns: statement.columnNames, rows: try statement.rows())
                try connection.execute("DROP TABLE \(Self.quoted(table))")
                return result
            }
        }
    }

    /// `INSERT INTO table (columns…) VALUES (?, …)`; without `columns`, `width` values in table order.
    private static func insertSQL(into table: String, columns: [String]? = nil, width: Int = 0) -> String {
        let names = columns.map { " (" + $0.joined(separator: ", ") + ")" } ?? ""
        let count = columns?.count ?? width
        return "INSERT INTO \(quoted(table))\(names) VALUES (" + Array(repeating: "?", count: count).joined(separator: ", ") + ")"
    }

    /// Inserts `rows` with the prepared `sql`, in one transaction.
    private static func append<Rows: Sequence>(_ rows: Rows, with sql: String, on connection: SQLiteConnection) throws
    where Rows.Element == [SQLValue] {
        try connection.transaction(.immediate) {
            let statement = try connection.cachedStatement(sql)
            defer { statement.reset() }
            for row in rows {
                try statement.bind(row)
                _ = try statement.step()
                statement.reset()
            }
        }
    }

    /// Turns SQLite's "database or disk is full" into the size cap's own error.
    private func withSizeLimit<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ShardQLError where error.sqliteResultCode.map({ $0 & 0xFF == 13 }) ?? false {
            throw ShardQLError(
                .resourceLimit,
                "the coordinator's temporary database is full: it may hold \(sizeLimit / (1 << 20)) MiB (PRAGMA shardql.temp_size_limit)",
                cause: error)
        }
    }

    /// The columns a row copy must carry: all but generated ones (SQLite computes those).
    static func storedColumns(of table: LoadableTable) throws -> [String] {
        let statement = try SQLParser.parseStatement(table.createSQL)
        guard case .createTable(let create) = statement.kind,
            case .columns(let columns, _, _) = create.definition
        else {
            throw ShardQLError(.internalError, "the catalog's definition of '\(table.name)' is not a CREATE TABLE")
        }
        return columns.filter { column in
            !column.constraints.contains { constraint in
                if case .generated = constraint.kind { return true }
                return false
            }
        }.map(\.name.name)
    }

    static func quoted(_ name: String) -> String {
        sqliteQuotedIdentifier(name)
    }

    /// Runs `sql` on every shard, at most `parallelism` at a time; results keep shard order.
    static func fetchAll(
        _ sql: String, shards: [ShardFileID], executor: any ShardExecutor, parallelism: Int
    ) async throws -> [RowSet] {
        try await withThrowingTaskGroup(of: (Int, RowSet).self) { group in
            var results = [RowSet?](repeating: nil, count: shards.count)
            var next = 0
            func startNext() {
                guard next < shards.count else { return }
                let position = next
                let shard = shards[position]
                group.addTask { (position, try await executor.query(sql, parameters: [], on: shard)) }
                next += 1
            }
            for _ in 0..<max(1, parallelism) { startNext() }
            while let (position, rows) = try await group.next() {
                results[position] = rows
                startNext()
            }
            return results.map { $0! }
        }
    }
}
