import Catalog
import SQLSyntax
import ShardQLBase
import Worker

extension Cluster {
    /// `ALTER TABLE` on every shard. SQLite itself works out the result first, on a scratch copy
    /// of the table's definition (its own errors, its own rewritten `CREATE` text for the table,
    /// its indexes and triggers); the catalog changes are checked against the snapshot, then the
    /// shards run the statement, then the catalog records it.
    func alterTable(_ alter: AlterTable) async throws {
        let snapshot = self.snapshot
        guard let table = snapshot.table(named: alter.table.name.name) else {
            throw ShardQLError(.sqlite, "no such table: \(alter.table.name.name)")
        }
        if case .dropColumn(let column) = alter.action, let distribution = table.distributionColumn,
            CatalogName.equal(distribution, column.name)
        {
            throw ShardQLError(
                .unsupported, "cannot drop column \(column.name): it is the distribution column of \(table.name)")
        }
        var onShard = alter
        onShard.table = QualifiedName(name: alter.table.name)
        let sql = SQLPrinter.print(Statement(.alterTable(onShard)))
        let newName: String
        if case .renameTable(let to) = alter.action {
            newName = to.name
            if snapshot.table(named: newName) != nil || snapshot.view(named: newName) != nil {
                throw ShardQLError(.sqlite, "there is already another table or index with this name: \(newName)")
            }
        } else {
            newName = table.name
        }
        let rewritten = try await rewrittenSchema(of: table, in: snapshot, applying: sql, newName: newName)

        var changes: [CatalogChange] = []
        switch alter.action {
        case .renameTable(let to):
            changes.append(.renameTable(table.id, to: to.name, createSQL: rewritten.table))
        case .renameColumn(let old, let new):
            changes.append(.renameColumn(table.id, from: old.name, to: new.name, createSQL: rewritten.table))
        case .addColumn(let definition):
            let column = try Self.catalogColumn(definition, ordinal: table.columns.count, tableConstraints: [])
            changes.append(.addColumn(table.id, column, createSQL: rewritten.table))
        case .dropColumn(let column):
            changes.append(.dropColumn(table.id, column: column.name, createSQL: rewritten.table))
        }
        for index in snapshot.indexes(on: table.id) {
            changes.append(.dropIndex(name: index.name))
            if let sql = rewritten.objects[CatalogName.key(index.name)] {
                changes.append(.createIndex(Catalog.Index(name: index.name, table: table.id, sql: sql, isUnique: index.isUnique)))
            }
        }
        for trigger in snapshot.triggers(on: table.id) {
            changes.append(.dropTrigger(name: trigger.name))
            if let sql = rewritten.objects[CatalogName.key(trigger.name)] {
                changes.append(.createTrigger(Trigger(name: trigger.name, table: table.id, sql: sql)))
            }
        }
        _ = try snapshot.applying(changes)  // refuse before any shard changes

        let shards = try layout(of: table, in: snapshot).placement.allShards
        try await runOnEveryShard([ShardStatement(sql)], shards: shards)
        try await apply(changes, plannedOn: snapshot)
    }

    /// The table's, its indexes' and its triggers' SQL as SQLite rewrites them for `alter`.
    private func rewrittenSchema(
        of table: Table, in snapshot: CatalogSnapshot, applying alter: String, newName: String
    ) async throws -> (table: String, objects: [String: String]) {
        let scratch = try await ScratchDatabase.open()
        do {
            var setup = [table.createSQL]
            setup += snapshot.indexes(on: table.id).map(\.sql)
            setup += snapshot.triggers(on: table.id).map(\.sql)
            for sql in setup { _ = try await scratch.run(sql) }
            _ = try await scratch.run(alter)
            let rows = try await scratch.run(
                "SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = \(Literal.string(newName).text) AND sql IS NOT NULL"
            ).rows
            await scratch.close()
            var tableSQL: String?
            var objects: [String: String] = [:]
            for row in rows {
                guard case .text(let type) = row[0], case .text(let name) = row[1], case .text(let sql) = row[2] else {
                    continue
                }
                if type.string == "table" {
                    tableSQL = sql.string
                } else {
                    objects[CatalogName.key(name.string)] = sql.string
                }
            }
            guard let tableSQL else {
                throw ShardQLError(.internalError, "ALTER TABLE left no definition of \(newName)")
            }
            return (tableSQL, objects)
        } catch {
            await scratch.close()
            throw error
        }
    }
}
