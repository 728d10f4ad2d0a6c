import Partitioning
import SQLSyntax
import ShardQLBase
import Worker

/// Runs an `INSERT`: its source rows are evaluated once on the coordinator (so `random()` and
/// `CURRENT_TIMESTAMP` are evaluated once, DESIGN §2), each row gets a cluster-unique rowid when
/// it has none, is routed by its distribution value after the column's affinity, and every
/// shard's rows go in the statement's transaction.
struct InsertExecution {
    let insert: Insert
    let layout: TableLayout
    let transaction: ShardTransaction
    /// Allocates `count` cluster-unique keys for the table (`AUTOINCREMENT` tables: the catalog's
    /// counter plays SQLite's `sqlite_sequence`).
    let allocateKeys: @Sendable (Int) async throws -> ClosedRange<Int64>
    /// The largest rowid now stored on any shard (0 when empty): other tables take max + 1 as
    /// SQLite does, so keys after a failed insert or a deleted last row match SQLite's.
    let largestRowID: @Sendable () async throws -> Int64
    /// Makes sure later allocations stay above an explicit key.
    let raiseKeyFloor: @Sendable (Int64) async throws -> Void

    struct Outcome: Sendable {
        var changes: Int
        var lastInsertRowID: Int64?
        var returned: RowSet?
    }

    /// `sourceRows` are the evaluated `VALUES`/`SELECT` rows (one empty row for DEFAULT VALUES);
    /// `evaluateDefault` computes a column's DEFAULT on the coordinator.
    func run(
        sourceRows: [[SQLValue]], evaluateDefault: (String) async throws -> SQLValue
    ) async throws -> Outcome {
        let targets = try targetColumns()
        // `INSERT INTO t(rowid, …)` on a table whose rowid has no alias: the rowid is not a column.
        let rowIDSlot = explicitRowIDSlot()
        let named = targets.count + (rowIDSlot == nil ? 0 : 1)
        for row in sourceRows where row.count != named {
            throw ShardQLError(
                .sqlite,
                insert.columns == nil
                    ? "table \(layout.name) has \(named) columns but \(row.count) values were supplied"
                    : "\(row.count) values for \(named) columns")
        }
        let explicitRowIDs = rowIDSlot.map { slot in sourceRows.map { $0[slot] } }
        let sourceRows = rowIDSlot.map { slot in sourceRows.map { row in row.enumerated().filter { $0.offset != slot }.map(\.element) } }
            ?? sourceRows
        // Which rows need a key: a rowid table's rows that give no (or a NULL) rowid or alias.
        let aliasSlot = layout.rowIDAlias.flatMap { targets.firstIndex(of: $0) }
        let needsKey = sourceRows.indices.map { position -> Bool in
            guard layout.hasRowID else { return false }
            if let aliasSlot { return sourceRows[position][aliasSlot] == .null }
            return (explicitRowIDs?[position] ?? .null) == .null
        }
        let keyCount = needsKey.filter { $0 }.count
        var nextKey: Int64 = 0
        var currentMax: Int64 = 0
        if keyCount > 0 {
            if layout.autoincrement {
                nextKey = try await allocateKeys(keyCount).lowerBound
            } else {
                currentMax = try await largestRowID()
            }
        }

        // The shard statement writes the rowid (or its alias) explicitly, plus the target columns
        // and the distribution column when its value came from a DEFAULT.
        var written = targets
        if let alias = layout.rowIDAlias, !written.contains(alias) { written.insert(alias, at: 0) }
        var distributionColumn: Int?
        if case .hash(let column, _) = layout.placement {
            distributionColumn = column
            if !written.contains(column) { written.append(column) }
        }
        let writesBareRowID = layout.hasRowID && layout.rowIDAlias == nil
        let sql = statementSQL(columns: written, withRowID: writesBareRowID)

        var byShard: [ShardFileID: [PendingRow]] = [:]
        var largestExplicitKey: Int64?
        for (position, row) in sourceRows.enumerated() {
            var values = [Int: SQLValue]()
            for (slot, column) in targets.enumerated() where slot < row.count { values[column] = row[slot] }
            var rowID: Int64?
            if needsKey[position] {
                if layout.autoincrement {
                    rowID = nextKey
                    nextKey += 1
                } else {
                    // SQLite: one more than the largest rowid, counting rows this statement
                    // already inserted, explicit keys included.
                    guard currentMax < Int64.max else {
                        throw ShardQLError(.sqlite, "database or disk is full", sqliteResultCode: 13)
                    }
                    currentMax += 1
                    rowID = currentMax
                }
                if let alias = layout.rowIDAlias { values[alias] = .integer(rowID!) }
            } else if let alias = layout.rowIDAlias, case .integer(let explicit)? = values[alias].map(layout.columns[alias].affinity.apply) {
                currentMax = max(currentMax, explicit)
                rowID = explicit
                largestExplicitKey = max(largestExplicitKey ?? explicit, explicit)
            } else if let value = explicitRowIDs?[position] {
                guard case .integer(let explicit) = Affinity.integer.apply(to: value) else {
                    throw ShardQLError(.sqlite, "datatype mismatch", sqliteResultCode: 20)
                }
                currentMax = max(currentMax, explicit)
                rowID = explicit
            }
            if let column = distributionColumn, values[column] == nil {
                values[column] = try await layout.columns[column].defaultSQL.asyncMap(evaluateDefault) ?? .null
            }
            let shard = try route(values: values, rowID: rowID)
            var parameters = writesBareRowID ? [SQLValue.integer(rowID!)] : []
            parameters += written.map { values[$0] ?? .null }
            byShard[shard, default: []].append(PendingRow(position: position, rowID: rowID, parameters: parameters))
        }
        if let largestExplicitKey { try await raiseKeyFloor(largestExplicitKey) }

        return try await write(byShard, sql: sql, rowCount: sourceRows.count)
    }

    /// Indices of the columns the statement names (or all stored columns, in order; none for
    /// DEFAULT VALUES, so the shard applies every default).
    func targetColumns() throws -> [Int] {
        if insert.source == .defaultValues { return [] }
        guard let names = insert.columns else {
            return layout.columns.indices.filter { !layout.columns[$0].isGenerated }
        }
        let rowIDSlot = explicitRowIDSlot()
        return try names.indices.filter { $0 != rowIDSlot }.map { names[$0] }.map { name in
            if let index = layout.columnIndex(named: name.name) { return index }
            if layout.hasRowID, ["rowid", "oid", "_rowid_"].contains(name.name.lowercased()), let alias = layout.rowIDAlias {
                return alias
            }
            throw ShardQLError(.sqlite, "table \(layout.name) has no column named \(name.name)")
        }
    }

    /// Where `rowid` (or `oid`, `_rowid_`) sits in the statement's column list when it names the
    /// hidden rowid of a table without an `INTEGER PRIMARY KEY` (as `.dump` writes it).
    func explicitRowIDSlot() -> Int? {
        guard layout.hasRowID, layout.rowIDAlias == nil, let names = insert.columns else { return nil }
        return names.firstIndex { name in
            layout.columnIndex(named: name.name) == nil && ["rowid", "oid", "_rowid_"].contains(name.name.lowercased())
        }
    }

    private func route(values: [Int: SQLValue], rowID: Int64?) throws -> ShardFileID {
        try Self.shard(for: layout.columns.indices.map { values[$0] ?? .null }, rowID: rowID, layout: layout)
    }

    /// Where a row with these column values (by column index) and rowid lives.
    static func shard(for values: [SQLValue], rowID: Int64?, layout: TableLayout) throws -> ShardFileID {
        switch layout.placement {
        case .reference(let shard):
            return shard
        case .roundRobin(let shards):
            let key = rowID ?? 0
            return shards[Int(UInt64(bitPattern: key) % UInt64(shards.count))]
        case .hash(let column, let shards):
            let info = layout.columns[column]
            let value = info.affinity.apply(to: values[column])
            let hash = DistributionHash.hash(value, collation: info.collation)
            return shards[try ShardRanges(count: shards.count).shardIndex(forHash: hash)]
        }
    }

    /// `INSERT [OR …] INTO "t" (cols) VALUES (?, …) [upserts] [RETURNING …]`, printed from the AST
    /// so conflict clauses and RETURNING keep their meaning.
    private func statementSQL(columns: [Int], withRowID: Bool) -> String {
        var shardInsert = insert
        shardInsert.with = nil
        shardInsert.alias = insert.alias
        let names = (withRowID ? [Identifier("rowid")] : []) + columns.map { Identifier(layout.columns[$0].name, quoting: .doubleQuotes) }
        shardInsert.columns = names
        let placeholders = names.map { _ in Expr(.parameter("?")) }
        shardInsert.source = .select(Select(body: SelectBody(first: .values([placeholders]))))
        return SQLPrinter.print(Statement(.insert(shardInsert)))
    }

    /// One row bound for a shard: its place in the statement, its rowid, its parameters.
    private struct PendingRow {
        var position: Int
        var rowID: Int64?
        var parameters: [SQLValue]
    }

    private func write(_ byShard: [ShardFileID: [PendingRow]], sql: String, rowCount: Int) async throws -> Outcome {
        var changes = 0
        var lastRowID: Int64?
        var lastPosition = -1
        var returned = [RowSet?](repeating: nil, count: rowCount)
        let work = byShard.sorted(by: { $0.key < $1.key })
        let outcomes = try await transaction.write(
            work.map { (shard: $0.key, statements: $0.value.map { ShardStatement(sql, parameters: $0.parameters) }) })
        for ((_, rows), shardOutcomes) in zip(work, outcomes) {
            for (row, outcome) in zip(rows, shardOutcomes) {
                changes += outcome.changes
                // The shard connection's own last_insert_rowid may predate this statement (an
                // ignored row changes nothing); the row's rowid is known here.
                if outcome.changes > 0, let rowID = row.rowID, row.position > lastPosition {
                    lastPosition = row.position
                    lastRowID = rowID
                }
                returned[row.position] = outcome.returned
            }
        }
        var returnedRows: RowSet?
        if insert.returning != nil {
            let parts = returned.compactMap { $0 }
            returnedRows = RowSet(columns: parts.first?.columns ?? [], rows: parts.flatMap(\.rows))
        }
        return Outcome(changes: changes, lastInsertRowID: lastRowID, returned: returnedRows)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
