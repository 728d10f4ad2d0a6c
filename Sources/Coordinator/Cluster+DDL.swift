import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase
import Worker

extension Cluster {
    // MARK: - CREATE TABLE

    func createTable(_ create: CreateTable) async throws {
        let snapshot = self.snapshot
        let name = create.name.name.name
        if snapshot.table(named: name) != nil || snapshot.view(named: name) != nil {
            if create.ifNotExists { return }
            throw ShardQLError(.sqlite, "table \(name) already exists")
        }
        guard !create.temporary else {
            throw ShardQLError(.unsupported, "TEMP tables are not supported by the embedded engine yet")
        }
        if case .asSelect(let select) = create.definition {
            try await createTable(create, asSelect: select, in: snapshot)
            return
        }
        let plan = try await planCreateTable(create, in: snapshot, joiningExistingGroups: true)
        // Nothing here needs undoing by hand: the statement's transaction drops new files and
        // rolls the shards back if anything fails.
        if plan.createsGroup { try await createShards(plan.shards) }
        try await runOnEveryShard([ShardStatement(plan.createSQL)], shards: plan.shards)
        try await apply(plan.changes, plannedOn: snapshot)
    }

    /// What creating a table takes: its shards' `CREATE TABLE`, the catalog changes, and the
    /// shard files (new ones when `createsGroup`).
    struct CreateTablePlan {
        var createSQL: String
        var changes: [CatalogChange]
        var shards: [ShardFileID]
        var createsGroup: Bool
    }

    /// Plans a `CREATE TABLE … (columns)`: its distribution, and the co-location group it joins
    /// (an existing compatible one only when `joiningExistingGroups`, or the one it names).
    func planCreateTable(_ create: CreateTable, in snapshot: CatalogSnapshot, joiningExistingGroups: Bool) async throws
        -> CreateTablePlan
    {
        guard case .columns(let definitions, let constraints, let options) = create.definition else {
            throw ShardQLError(.internalError, "CREATE TABLE AS SELECT has no column definitions to plan")
        }
        let name = create.name.name.name
        var shardDefinition = create
        shardDefinition.distribution = nil
        shardDefinition.ifNotExists = false
        shardDefinition.name = QualifiedName(name: create.name.name)
        let createSQL = SQLPrinter.print(Statement(.createTable(shardDefinition)))

        let columns = try definitions.enumerated().map { ordinal, definition in
            try Self.catalogColumn(definition, ordinal: ordinal, tableConstraints: constraints)
        }
        let distribution = try chooseDistribution(create, columns: columns, constraints: constraints, definitions: definitions)
        var changes: [CatalogChange] = []
        // Reserved, not taken from the snapshot: the group's ID names its shard files, made
        // before the catalog change commits, and another coordinator may be creating a table too.
        var nextID = max(snapshot.nextID, try await store.reserveIDs(count: 2).lowerBound)
        let (group, replicas) = try colocationGroup(
            for: distribution, columns: columns, in: snapshot, joiningExisting: joiningExistingGroups, nextID: &nextID,
            changes: &changes)
        let table = Table(
            id: TableID(nextID), name: name, kind: distribution.isReference ? .reference : .distributed,
            distribution: distribution.method, distributionColumn: distribution.column,
            colocationGroup: group.id, replicationFactor: replicas, createSQL: createSQL,
            isStrict: options.contains(.strict), isWithoutRowID: options.contains(.withoutRowID), columns: columns)
        changes.append(.createTable(table))
        let shards = (0..<group.shardCount).map { ShardFileID(group: group.id.rawValue, index: $0) }
        return CreateTablePlan(createSQL: createSQL, changes: changes, shards: shards, createsGroup: changes.count > 1)
    }

    /// Creates the files of a new co-location group. Its id comes from the catalog's counter, so
    /// a file already there is a leftover of a creation that never committed (a crash): replaced.
    private func createShards(_ shards: [ShardFileID]) async throws {
        let transaction = try requireTransaction()
        for shard in shards {
            try await executor.dropShard(shard)
            try await executor.createShard(shard)
            transaction.created(shard)
        }
    }

    /// `CREATE TABLE t AS SELECT`: SQLite runs it on a scratch copy of what the query reads, which
    /// gives SQLite's own column definitions for `t` (declared types from the expressions'
    /// affinities) and its rows; the table is then created with those definitions and the
    /// requested distribution, and the rows inserted. A failed insert drops the table again.
    private func createTable(_ create: CreateTable, asSelect select: Select, in snapshot: CatalogSnapshot) async throws {
        let name = create.name.name.name
        let scratch = try await ScratchDatabase.open()
        let definitionSQL: String
        let rows: RowSet
        do {
            try await prepare(scratch, reading: ReferencedTables(select).names, in: snapshot)
            let quoted = ScratchDatabase.quoted(name)
            _ = try await scratch.run("CREATE TABLE \(quoted) AS " + SQLPrinter.print(select))
            let definition = try await scratch.run(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = \(Literal.string(name).text)")
            guard case .text(let text)? = definition.rows.first?.first else {
                throw ShardQLError(.internalError, "CREATE TABLE AS SELECT left no definition of \(name)")
            }
            definitionSQL = text.string
            rows = try await scratch.run("SELECT * FROM \(quoted)")
            await scratch.close()
        } catch {
            await scratch.close()
            throw error
        }
        guard case .createTable(var plain) = try SQLParser.parseStatement(definitionSQL).kind else {
            throw ShardQLError(.internalError, "SQLite's definition of \(name) is not a CREATE TABLE")
        }
        plain.name = QualifiedName(name: create.name.name)
        plain.distribution = create.distribution
        try await createTable(plain)
        let created = self.snapshot
        guard let table = created.table(named: name) else { return }
        let layout = try layout(of: table, in: created)
        // The rows are already evaluated (SQLite's own CREATE TABLE … AS SELECT made them).
        let insert = Insert(table: QualifiedName(name: create.name.name), source: .select(select))
        let execution = try insertExecution(insert, into: table, layout: layout)
        _ = try await execution.run(sourceRows: rows.rows) { _ in .null }
    }

    /// Creates an object on every shard and records it in the catalog, both in the statement's
    /// transaction.
    func create(
        _ sql: String, on shards: [ShardFileID], recording change: CatalogChange, plannedOn snapshot: CatalogSnapshot
    ) async throws {
        try await runOnEveryShard([ShardStatement(sql)], shards: shards)
        try await apply([change], plannedOn: snapshot)
    }

    /// Runs the statements on every shard, in the statement's transaction.
    func runOnEveryShard(_ statements: [ShardStatement], shards: [ShardFileID]) async throws {
        _ = try await requireTransaction().write(shards.map { (shard: $0, statements: statements) })
    }

    static func catalogColumn(
        _ definition: ColumnDefinition, ordinal: Int, tableConstraints: [TableConstraint]
    ) throws -> Column {
        var collation = Column.Collation.binary
        var notNull = false
        var primaryKey: Int?
        var hasDefault = false
        for constraint in definition.constraints {
            switch constraint.kind {
            case .collate(let name):
                guard let known = Column.Collation(rawValue: name.name.uppercased()) else {
                    throw ShardQLError(.sqlite, "no such collation sequence: \(name.name)")
                }
                collation = known
            case .notNull: notNull = true
            case .primaryKey: primaryKey = 1
            case .defaultValue: hasDefault = true
            default: break
            }
        }
        for constraint in tableConstraints {
            guard case .primaryKey(let keyColumns, _) = constraint.kind else { continue }
            for (position, column) in keyColumns.enumerated() {
                if case .column(let reference) = Self.stripCollate(column.expr).kind,
                    CatalogName.equal(reference.column.name, definition.name.name)
                {
                    primaryKey = position + 1
                }
            }
        }
        let declaredType = definition.type.map { type in
            type.name + (type.arguments.isEmpty ? "" : "(" + type.arguments.joined(separator: ",") + ")")
        } ?? ""
        let affinity = Affinity(declaredType: declaredType)
        return Column(
            ordinal: ordinal, name: definition.name.name, declaredType: declaredType, affinity: affinity,
            collation: collation, notNull: notNull, primaryKeyPosition: primaryKey, hasDefault: hasDefault)
    }

    static func stripCollate(_ expr: Expr) -> Expr {
        if case .collate(let inner, _) = expr.kind { return stripCollate(inner) }
        return expr
    }

    // MARK: - DROP, CREATE INDEX, CREATE VIEW

    func drop(_ drop: Drop) async throws {
        let snapshot = self.snapshot
        let name = drop.name.name.name
        switch drop.kind {
        case .table:
            guard let table = snapshot.table(named: name) else {
                if drop.ifExists { return }
                throw ShardQLError(.sqlite, "no such table: \(name)")
            }
            let layout = try layout(of: table, in: snapshot)
            try await runOnEveryShard(
                [ShardStatement("DROP TABLE \(ScratchDatabase.quoted(table.name))")], shards: layout.placement.allShards)
            let updated = try await apply([.dropTable(table.id)], plannedOn: snapshot)
            if updated.colocationGroups[table.colocationGroup] == nil {
                try requireTransaction().deleteAfterCommit(layout.placement.allShards)
            }
        case .index:
            guard let index = snapshot.index(named: name), let table = snapshot.table(index.table)
            else {
                if drop.ifExists { return }
                throw ShardQLError(.sqlite, "no such index: \(name)")
            }
            let layout = try layout(of: table, in: snapshot)
            try await runOnEveryShard(
                [ShardStatement("DROP INDEX \(ScratchDatabase.quoted(index.name))")], shards: layout.placement.allShards)
            try await apply([.dropIndex(name: index.name)], plannedOn: snapshot)
        case .view:
            if temporaryViews.withLock({ $0.removeValue(forKey: CatalogName.key(name)) }) != nil { return }
            guard let view = snapshot.view(named: name) else {
                if drop.ifExists { return }
                throw ShardQLError(.sqlite, "no such view: \(name)")
            }
            try await apply([.dropView(name: view.name)], plannedOn: snapshot)
        case .trigger:
            try await dropTrigger(named: name, ifExists: drop.ifExists)
        }
    }

    func createIndex(_ create: CreateIndex) async throws {
        let snapshot = self.snapshot
        let name = create.name.name.name
        if snapshot.index(named: name) != nil {
            if create.ifNotExists { return }
            throw ShardQLError(.sqlite, "index \(name) already exists")
        }
        guard let table = snapshot.table(named: create.table.name) else {
            throw ShardQLError(.sqlite, "no such table: main.\(create.table.name)")
        }
        let layout = try layout(of: table, in: snapshot)
        if create.unique, table.kind == .distributed {
            let covers = table.distributionColumn.map { column in
                create.columns.contains { indexed in
                    if case .column(let reference) = Self.stripCollate(indexed.expr).kind {
                        return CatalogName.equal(reference.column.name, column)
                    }
                    return false
                }
            } ?? false
            guard covers else {
                throw ShardQLError(
                    .unsupported,
                    "UNIQUE index \(name) does not include the distribution column of \(table.name), so it cannot be enforced per shard")
            }
        }
        var shardIndex = create
        shardIndex.ifNotExists = false
        shardIndex.name = QualifiedName(name: create.name.name)
        let sql = SQLPrinter.print(Statement(.createIndex(shardIndex)))
        try await self.create(
            sql, on: layout.placement.allShards,
            recording: .createIndex(Index(name: name, table: table.id, sql: sql, isUnique: create.unique)),
            plannedOn: snapshot)
    }

    func createView(_ create: CreateView) async throws {
        let snapshot = self.snapshot
        let name = create.name.name.name
        let key = CatalogName.key(name)
        if snapshot.view(named: name) != nil || snapshot.table(named: name) != nil
            || temporaryViews.withLock({ $0[key] != nil })
        {
            if create.ifNotExists { return }
            throw ShardQLError(.sqlite, "\(snapshot.table(named: name) != nil ? "table" : "view") \(name) already exists")
        }
        var stored = create
        stored.ifNotExists = false
        stored.temporary = false
        stored.name = QualifiedName(name: create.name.name)
        if create.temporary {
            let view = View(name: name, sql: SQLPrinter.print(Statement(.createView(stored))))
            temporaryViews.withLock { $0[key] = view }
            return
        }
        try await apply([.createView(View(name: name, sql: SQLPrinter.print(Statement(.createView(stored)))))], plannedOn: snapshot)
    }
}
