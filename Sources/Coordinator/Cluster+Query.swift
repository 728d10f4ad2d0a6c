import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase
import Worker

extension Cluster {
    /// The general path: copy what the statement reads into a scratch database; SQLite answers
    /// there, its rows read a batch at a time as the caller pulls them (``ScratchCursor``).
    func generalQuery(_ statement: Statement) async throws -> ScratchCursor {
        let snapshot = self.snapshot
        let scratch = try await ScratchDatabase.open(
            counters: counters.withLock { $0 }, sizeLimit: settings.withLock { $0.tempSizeLimit })
        let sql: String
        do {
            let materialized = try await materializePushableParts(of: statement, into: scratch)
            let copied = try await prepare(
                scratch, reading: ReferencedTables(materialized.statement).names, in: snapshot,
                excluding: materialized.tables, filters: PushDownFilters.filters(for: materialized.statement, in: snapshot))
            lastRowsCopied.withLock { $0 = copied }
            sql = SQLPrinter.print(materialized.statement)
        } catch {
            await scratch.close()
            throw error
        }
        return try await ScratchCursor.open(scratch, running: sql)
    }

    /// Creates the views among `names` (and the views those read) and loads every table they
    /// read, skipping `excluding`, the shards applying each of `filters` to its table; returns how many rows
    /// were copied.
    @discardableResult
    func prepare(
        _ scratch: ScratchDatabase, reading names: Set<String>, in snapshot: CatalogSnapshot,
        excluding: Set<String> = [], filters: [PushDownFilters.Filter] = []
    ) async throws -> Int {
        var pending = Array(names)
        var seen = Set<String>()
        var tables: [LoadableTable] = []
        var views: [View] = []
        while let name = pending.popLast() {
            guard seen.insert(name).inserted, !excluding.contains(name) else { continue }
            if let table = snapshot.table(named: name) {
                var loadable = try layout(of: table, in: snapshot).loadable
                loadable.filter = filters.first { $0.table == CatalogName.key(table.name) }
                tables.append(loadable)
            } else if let view = temporaryViews.withLock({ $0[CatalogName.key(name)] }) ?? snapshot.view(named: name) {
                views.append(view)
                pending += ReferencedTables(try SQLParser.parseStatement(view.sql)).names
            }
        }
        let copied = try await scratch.load(tables, from: shards, parallelism: parallelism)
        for view in views { _ = try await scratch.run(view.sql) }
        return copied
    }

    /// Routing and copying facts for a table, from the catalog.
    func layout(of table: Table, in snapshot: CatalogSnapshot) throws -> TableLayout {
        guard let group = snapshot.colocationGroups[table.colocationGroup] else {
            throw ShardQLError(.internalError, "table \(table.name) names a missing co-location group")
        }
        let shards = (0..<group.shardCount).map { ShardFileID(group: group.id.rawValue, index: $0) }
        let definition = try CreateTableFacts(sql: table.createSQL)
        let columns = table.columns.sorted { $0.ordinal < $1.ordinal }.map { column in
            TableLayout.Column(
                name: column.name, affinity: column.affinity, collation: column.collation,
                isGenerated: definition.generatedColumns.contains(CatalogName.key(column.name)),
                defaultSQL: definition.defaults[CatalogName.key(column.name)])
        }
        let placement: TableLayout.Placement
        switch group.kind {
        case .reference:
            placement = .reference(shards[0])
        case .roundRobin:
            placement = .roundRobin(shards: shards)
        case .hash:
            guard let name = table.distributionColumn,
                let index = columns.firstIndex(where: { CatalogName.equal($0.name, name) })
            else { throw ShardQLError(.internalError, "table \(table.name) has no distribution column") }
            placement = .hash(column: index, shards: shards)
        }
        let rowIDAlias = table.isWithoutRowID ? nil : definition.rowIDAlias.flatMap { alias in
            columns.firstIndex { CatalogName.equal($0.name, alias) }
        }
        let indexes = snapshot.indexes(on: table.id).map(\.sql)
        return TableLayout(
            name: table.name, tableID: table.id.rawValue, columns: columns, rowIDAlias: rowIDAlias,
            autoincrement: definition.autoincrement, hasRowID: !table.isWithoutRowID, placement: placement,
            loadable: LoadableTable(
                name: table.name, createSQL: table.createSQL, indexSQL: indexes, hasRowID: !table.isWithoutRowID,
                shards: shards))
    }
}

/// Facts read off a `CREATE TABLE` statement that the catalog's columns do not carry.
struct CreateTableFacts {
    /// Lower-cased names of generated columns.
    var generatedColumns: Set<String> = []
    /// DEFAULT expressions by lower-cased column name, as SQL.
    var defaults: [String: String] = [:]
    /// The `INTEGER PRIMARY KEY` column (the rowid's alias), if any.
    var rowIDAlias: String?
    var autoincrement = false

    init(sql: String) throws {
        guard case .createTable(let create) = try SQLParser.parseStatement(sql).kind,
            case .columns(let columns, let constraints, let options) = create.definition
        else { throw ShardQLError(.internalError, "not a CREATE TABLE: \(sql)") }
        self.init(columns: columns, constraints: constraints, withoutRowID: options.contains(.withoutRowID))
    }

    init(columns: [ColumnDefinition], constraints: [TableConstraint], withoutRowID: Bool) {
        for column in columns {
            let key = CatalogName.key(column.name.name)
            for constraint in column.constraints {
                switch constraint.kind {
                case .generated: generatedColumns.insert(key)
                case .defaultValue(let expr): defaults[key] = SQLPrinter.print(expr)
                case .primaryKey(let direction, _, let isAutoincrement):
                    autoincrement = autoincrement || isAutoincrement
                    // SQLite: only `INTEGER PRIMARY KEY` (not DESC) aliases the rowid.
                    if !withoutRowID, direction != .descending, column.type?.name.uppercased() == "INTEGER" {
                        rowIDAlias = column.name.name
                    }
                default: break
                }
            }
        }
        for constraint in constraints {
            guard case .primaryKey(let keyColumns, _) = constraint.kind, keyColumns.count == 1,
                case .column(let reference) = keyColumns[0].expr.kind,
                let column = columns.first(where: { CatalogName.equal($0.name.name, reference.column.name) }),
                column.type?.name.uppercased() == "INTEGER", !withoutRowID
            else { continue }
            rowIDAlias = column.name.name
        }
    }
}
