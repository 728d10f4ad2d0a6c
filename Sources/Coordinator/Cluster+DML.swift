import Catalog
import SQLSyntax
import ShardQLBase
import Worker

extension Cluster {
    // MARK: - INSERT

    /// Runs an INSERT; returns its result and the rowid of the last row it inserted.
    func run(_ insert: Insert) async throws -> (StatementResult, Int64?) {
        let snapshot = self.snapshot
        guard let table = snapshot.table(named: insert.table.name.name) else {
            throw ShardQLError(.sqlite, "no such table: \(insert.table.name.name)")
        }
        let layout = try layout(of: table, in: snapshot)
        let scratch = try await ScratchDatabase.open(counters: counters.withLock { $0 })
        do {
            // The source rows, evaluated once here: VALUES with expressions, or any SELECT.
            var sourceRows: [[SQLValue]] = [[]]
            if case .select(var select) = insert.source {
                if select.with == nil { select.with = insert.with }
                try await prepare(scratch, reading: ReferencedTables(select).names, in: snapshot)
                sourceRows = try await scratch.run(SQLPrinter.print(select)).rows
            }
            let execution = try insertExecution(insert, into: table, layout: layout)
            let outcome = try await execution.run(sourceRows: sourceRows) { defaultSQL in
                try await scratch.run("SELECT " + defaultSQL).rows.first?.first ?? .null
            }
            await scratch.close()
            let result = StatementResult(
                columns: outcome.returned?.columns ?? [], rows: outcome.returned?.rows ?? [], changes: outcome.changes)
            return (result, outcome.lastInsertRowID)
        } catch {
            await scratch.close()
            throw error
        }
    }

    /// An INSERT into `table` in the statement's transaction. Keys of a table that transaction
    /// created come from the transaction: the catalog's counter knows the table once it commits.
    func insertExecution(_ insert: Insert, into table: Table, layout: TableLayout) throws -> InsertExecution {
        let transaction = try requireTransaction()
        let store = self.store
        let tableID = table.id
        let isNew = shared.cachedSnapshot.withLock { $0.table(tableID) == nil }
        return InsertExecution(
            insert: insert, layout: layout, transaction: transaction,
            allocateKeys: { count in
                isNew
                    ? transaction.allocateKeys(table: tableID, count: count)
                    : try await store.allocateKeys(table: tableID, count: count)
            },
            largestRowID: { try await self.largestRowID(of: layout) },
            raiseKeyFloor: { key in
                if isNew {
                    transaction.raiseKeyFloor(table: tableID, atLeast: key)
                } else {
                    try await store.raiseKeyFloor(table: tableID, atLeast: key)
                }
            })
    }

    /// The largest rowid any shard of the table holds, 0 when it is empty.
    func largestRowID(of layout: TableLayout) async throws -> Int64 {
        let parts = try await ScratchDatabase.fetchAll(
            "SELECT max(rowid) FROM \(ScratchDatabase.quoted(layout.name))", shards: layout.placement.allShards,
            executor: shards, parallelism: parallelism)
        return parts.compactMap { part -> Int64? in
            if case .integer(let value)? = part.rows.first?.first { return value }
            return nil
        }.max() ?? 0
    }

    // MARK: - UPDATE and DELETE

    /// Runs the statement itself on a scratch copy of what it reads, compares the table before
    /// and after (by rowid), then applies exactly those changes on the shards: a changed row stays
    /// on its shard unless its distribution value moved it, in which case it is deleted there and
    /// inserted where it now belongs, in the statement's transaction.
    func runUpdateOrDelete(_ statement: Statement) async throws -> StatementResult {
        let snapshot = self.snapshot
        let target: QualifiedName
        switch statement.kind {
        case .update(let update):
            target = update.table.name
        case .delete(let delete):
            target = delete.table.name
        default:
            throw ShardQLError(.internalError, "not an UPDATE or DELETE")
        }
        guard let table = snapshot.table(named: target.name.name) else {
            throw ShardQLError(.sqlite, "no such table: \(target.name.name)")
        }
        guard !table.isWithoutRowID else {
            throw ShardQLError(.unsupported, "UPDATE and DELETE on WITHOUT ROWID tables are not supported by the embedded engine yet")
        }
        let layout = try layout(of: table, in: snapshot)
        let scratch = try await ScratchDatabase.open(counters: counters.withLock { $0 })
        do {
            let names = ReferencedTables(statement).names.subtracting([CatalogName.key(table.name)])
            try await prepare(scratch, reading: names, in: snapshot)
            var target = layout.loadable
            if let pinned = PruneShards.shards(for: statement, layout: layout) { target.shards = pinned }
            // Locked before they are read, so no other writer changes the rows between the read
            // and the write (no lost update).
            try await requireTransaction().lock(target.shards, recording: target.shards.count > 1)
            let located = try await scratch.loadLocating(target, from: shards, parallelism: parallelism)
            lastShardsRead.withLock { $0 = target.shards.count }
            let changes = try await scratch.captureChanges(of: statement, table: layout)
            try await apply(changes.rows, layout: layout, located: located)
            await scratch.close()
            return StatementResult(columns: changes.returned.columns, rows: changes.returned.rows, changes: changes.changes)
        } catch {
            await scratch.close()
            throw error
        }
    }

    private func apply(
        _ changes: [ScratchDatabase.RowChange], layout: TableLayout, located: [Int64: ShardFileID]
    ) async throws {
        var byShard: [ShardFileID: [ShardStatement]] = [:]
        let quotedTable = ScratchDatabase.quoted(layout.name)
        let stored = layout.columns.indices.filter { !layout.columns[$0].isGenerated }
        let names = ["rowid"] + stored.map { ScratchDatabase.quoted(layout.columns[$0].name) }
        let insertSQL =
            "INSERT INTO \(quotedTable) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))"
        for change in changes {
            var home: ShardFileID?
            if let oldRowID = change.oldRowID {
                guard let shard = located[oldRowID] else {
                    throw ShardQLError(.internalError, "row \(oldRowID) of \(layout.name) has no shard")
                }
                home = shard
            }
            guard let newValues = change.newValues, let newRowID = change.newRowID else {
                if let home, let oldRowID = change.oldRowID {
                    byShard[home, default: []].append(
                        ShardStatement("DELETE FROM \(quotedTable) WHERE rowid = ?", parameters: [.integer(oldRowID)]))
                }
                continue
            }
            let destination = try InsertExecution.shard(for: newValues, rowID: newRowID, layout: layout)
            guard let home, let oldRowID = change.oldRowID else {
                byShard[destination, default: []].append(
                    ShardStatement(insertSQL, parameters: [.integer(newRowID)] + stored.map { newValues[$0] }))
                continue
            }
            if destination == home {
                // Every stored column: a rowid may now hold what another row held before (an
                // UPDATE of the INTEGER PRIMARY KEY), so the row is rewritten whole.
                let columns = stored
                let setList = (["rowid = ?"] + columns.map { ScratchDatabase.quoted(layout.columns[$0].name) + " = ?" })
                    .joined(separator: ", ")
                byShard[home, default: []].append(
                    ShardStatement(
                        "UPDATE \(quotedTable) SET \(setList) WHERE rowid = ?",
                        parameters: [.integer(newRowID)] + columns.map { newValues[$0] } + [.integer(oldRowID)]))
            } else {
                byShard[home, default: []].append(
                    ShardStatement("DELETE FROM \(quotedTable) WHERE rowid = ?", parameters: [.integer(oldRowID)]))
                byShard[destination, default: []].append(
                    ShardStatement(insertSQL, parameters: [.integer(newRowID)] + stored.map { newValues[$0] }))
            }
        }
        _ = try await requireTransaction().write(
            byShard.sorted(by: { $0.key < $1.key }).map { (shard: $0.key, statements: $0.value) })
    }
}
