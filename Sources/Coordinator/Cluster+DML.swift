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
            let store = self.store
            let tableID = table.id
            let execution = InsertExecution(
                insert: insert, layout: layout, executor: executor,
                allocateKeys: { count in try await store.allocateKeys(table: tableID, count: count) },
                raiseKeyFloor: { key in try await store.raiseKeyFloor(table: tableID, atLeast: key) })
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

    // MARK: - UPDATE and DELETE

    /// Runs the statement itself on a scratch copy of what it reads, capturing which rows it
    /// changed (old rowid → new values) with a temporary trigger, then applies exactly those
    /// changes on the shards: an UPDATE of a row stays on its shard unless its distribution
    /// value moved it, in which case it is deleted there and inserted where it now belongs.
    /// Every touched shard commits, or none does.
    func runUpdateOrDelete(_ statement: Statement) async throws -> StatementResult {
        let snapshot = self.snapshot
        let target: QualifiedName
        var assigned: [String] = []
        switch statement.kind {
        case .update(let update):
            target = update.table.name
            assigned = update.assignments.flatMap { $0.columns.map(\.name) }
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
            let located = try await scratch.loadLocating(layout.loadable, from: executor, parallelism: parallelism)
            let changes = try await scratch.captureChanges(of: statement, table: layout)
            let result = try await apply(changes.rows, assigned: assigned, layout: layout, located: located)
            await scratch.close()
            return StatementResult(columns: changes.returned.columns, rows: changes.returned.rows, changes: result)
        } catch {
            await scratch.close()
            throw error
        }
    }

    private func apply(
        _ changes: [ScratchDatabase.RowChange], assigned: [String], layout: TableLayout,
        located: [Int64: ShardFileID]
    ) async throws -> Int {
        var byShard: [ShardFileID: [ShardStatement]] = [:]
        let quotedTable = ScratchDatabase.quoted(layout.name)
        let stored = layout.columns.indices.filter { !layout.columns[$0].isGenerated }
        for change in changes {
            guard let home = located[change.oldRowID] else {
                throw ShardQLError(.internalError, "row \(change.oldRowID) of \(layout.name) has no shard")
            }
            guard let newValues = change.newValues, let newRowID = change.newRowID else {
                byShard[home, default: []].append(
                    ShardStatement("DELETE FROM \(quotedTable) WHERE rowid = ?", parameters: [.integer(change.oldRowID)]))
                continue
            }
            let destination = try InsertExecution.shard(for: newValues, rowID: newRowID, layout: layout)
            if destination == home {
                let columns = stored.filter { index in
                    assigned.contains { CatalogName.equal($0, layout.columns[index].name) }
                }
                let setList = (["rowid = ?"] + columns.map { ScratchDatabase.quoted(layout.columns[$0].name) + " = ?" })
                    .joined(separator: ", ")
                byShard[home, default: []].append(
                    ShardStatement(
                        "UPDATE \(quotedTable) SET \(setList) WHERE rowid = ?",
                        parameters: [.integer(newRowID)] + columns.map { newValues[$0] } + [.integer(change.oldRowID)]))
            } else {
                byShard[home, default: []].append(
                    ShardStatement("DELETE FROM \(quotedTable) WHERE rowid = ?", parameters: [.integer(change.oldRowID)]))
                let names = ["rowid"] + stored.map { ScratchDatabase.quoted(layout.columns[$0].name) }
                byShard[destination, default: []].append(
                    ShardStatement(
                        "INSERT INTO \(quotedTable) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                        parameters: [.integer(newRowID)] + stored.map { newValues[$0] }))
            }
        }
        var touched: [ShardFileID] = []
        do {
            for (shard, statements) in byShard.sorted(by: { $0.key < $1.key }) {
                touched.append(shard)
                _ = try await executor.write(statements, on: shard)
            }
            for shard in touched { try await executor.finish(shard, commit: true) }
        } catch {
            for shard in touched { try? await executor.finish(shard, commit: false) }
            throw error
        }
        return changes.count
    }
}
