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
        guard case .columns(let definitions, let constraints, let options) = create.definition else {
            if case .asSelect(let select) = create.definition {
                try await createTable(create, asSelect: select, in: snapshot)
            }
            return
        }
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
        var nextID = snapshot.nextID
        let group = try colocationGroup(for: distribution, columns: columns, in: snapshot, nextID: &nextID, changes: &changes)
        let table = Table(
            id: TableID(nextID), name: name, kind: distribution.isReference ? .reference : .distributed,
            distribution: distribution.method, distributionColumn: distribution.column,
            colocationGroup: group.id, replicationFactor: distribution.replicas ?? 1, createSQL: createSQL,
            isStrict: options.contains(.strict), isWithoutRowID: options.contains(.withoutRowID), columns: columns)
        changes.append(.createTable(table))

        let shards = (0..<group.shardCount).map { ShardFileID(group: group.id.rawValue, index: $0) }
        let newGroup = changes.count > 1
        if newGroup {
            for shard in shards { try await executor.createShard(shard) }
        }
        do {
            try await runOnEveryShard([ShardStatement(createSQL)], shards: shards)
            try await apply(changes, plannedOn: snapshot)
        } catch {
            // Undo what reached the shards: the catalog never saw the table.
            if newGroup {
                for shard in shards { try? await executor.dropShard(shard) }
            } else {
                try? await runOnEveryShard(
                    [ShardStatement("DROP TABLE IF EXISTS \(ScratchDatabase.quoted(name))")], shards: shards)
            }
            throw error
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
        do {
            let layout = try layout(of: table, in: created)
            let store = self.store
            // The rows are already evaluated; only the target table matters to the insert.
            let insert = Insert(table: QualifiedName(name: create.name.name), source: .defaultValues)
            let execution = InsertExecution(
                insert: insert, layout: layout, executor: executor,
                allocateKeys: { count in try await store.allocateKeys(table: table.id, count: count) },
                largestRowID: { try await self.largestRowID(of: layout) },
                raiseKeyFloor: { key in try await store.raiseKeyFloor(table: table.id, atLeast: key) })
            _ = try await execution.run(sourceRows: rows.rows) { _ in .null }
        } catch {
            try? await drop(Drop(kind: .table, ifExists: true, name: QualifiedName(name: create.name.name)))
            throw error
        }
    }

    /// Runs the statements on every shard and commits on all of them, or rolls back on all.
    func runOnEveryShard(_ statements: [ShardStatement], shards: [ShardFileID]) async throws {
        _ = try await executor.writeAll(shards.map { (shard: $0, statements: statements) })
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

    // MARK: - Distribution

    struct Distribution {
        var method: Table.DistributionMethod
        var column: String?
        var shardCount: Int
        var replicas: Int?
        var colocateWith: QualifiedName?
        var isReference: Bool { method == .none }
    }

    /// The explicit clause, else the default: PRIMARY KEY's first column, else the first UNIQUE
    /// column, else round-robin (DESIGN §3). Uniqueness that does not include the distribution
    /// column cannot be enforced per shard and is refused.
    func chooseDistribution(
        _ create: CreateTable, columns: [Column], constraints: [TableConstraint], definitions: [ColumnDefinition]
    ) throws -> Distribution {
        let uniqueKeys = Self.uniqueKeys(definitions: definitions, constraints: constraints)
        var distribution: Distribution
        switch create.distribution {
        case .replicated?:
            return Distribution(method: .none, column: nil, shardCount: 1)
        case .hash(let column, let shards, let replicas, let colocateWith)?:
            guard let known = columns.first(where: { CatalogName.equal($0.name, column.name) }) else {
                throw ShardQLError(.invalidArgument, "distribution column \(column.name) is not a column of \(create.name.name.name)")
            }
            distribution = Distribution(
                method: .hash, column: known.name, shardCount: shards ?? defaultShardCount, replicas: replicas,
                colocateWith: colocateWith)
        case nil:
            let keyColumn = uniqueKeys.first(where: \.isPrimaryKey)?.columns.first ?? uniqueKeys.first?.columns.first
            switch (defaultDistribution, keyColumn) {
            case (.firstColumn, nil):
                distribution = Distribution(method: .hash, column: columns[0].name, shardCount: defaultShardCount)
            case (_, let key?):
                // With uniqueness to enforce, its key decides whatever the policy.
                let column = defaultDistribution == .firstColumn
                    && uniqueKeys.allSatisfy { $0.columns.contains { CatalogName.equal($0, columns[0].name) } }
                    ? columns[0].name : key
                distribution = Distribution(method: .hash, column: column, shardCount: defaultShardCount)
            case (_, nil):
                distribution = Distribution(method: .roundRobin, column: nil, shardCount: defaultShardCount)
            }
        }
        guard Self.shardCountRange.contains(distribution.shardCount) else {
            throw ShardQLError(
                .invalidArgument,
                "SHARDS \(distribution.shardCount) is out of range: a table has \(Self.shardCountRange.lowerBound) to \(Self.shardCountRange.upperBound) shards")
        }
        if let replicas = distribution.replicas, replicas != 1 {
            throw ShardQLError(.unsupported, "REPLICAS \(replicas): replication arrives with worker nodes; the embedded cluster keeps one copy")
        }
        for key in uniqueKeys where !key.columns.contains(where: { column in distribution.column.map { CatalogName.equal($0, column) } ?? false }) {
            let what = key.isPrimaryKey ? "PRIMARY KEY" : "UNIQUE constraint"
            let on = distribution.column.map { "its distribution column \($0)" } ?? "a distribution column (the table is round-robin)"
            throw ShardQLError(
                .unsupported,
                "\(what) (\(key.columns.joined(separator: ", "))) of \(create.name.name.name) does not include \(on), so it cannot be enforced per shard; distribute by one of its columns or declare the table DISTRIBUTED REPLICATED")
        }
        return distribution
    }

    struct UniqueKey {
        var columns: [String]
        var isPrimaryKey: Bool
    }

    static func uniqueKeys(definitions: [ColumnDefinition], constraints: [TableConstraint]) -> [UniqueKey] {
        var keys: [UniqueKey] = []
        for definition in definitions {
            for constraint in definition.constraints {
                switch constraint.kind {
                case .primaryKey: keys.append(UniqueKey(columns: [definition.name.name], isPrimaryKey: true))
                case .unique: keys.append(UniqueKey(columns: [definition.name.name], isPrimaryKey: false))
                default: break
                }
            }
        }
        for constraint in constraints {
            let columns: [IndexedColumn]
            let isPrimaryKey: Bool
            switch constraint.kind {
            case .primaryKey(let indexed, _): (columns, isPrimaryKey) = (indexed, true)
            case .unique(let indexed, _): (columns, isPrimaryKey) = (indexed, false)
            default: continue
            }
            let names = columns.compactMap { column -> String? in
                if case .column(let reference) = stripCollate(column.expr).kind { return reference.column.name }
                return nil
            }
            keys.append(UniqueKey(columns: names, isPrimaryKey: isPrimaryKey))
        }
        // The primary key first: it chooses the default distribution column.
        return keys.filter(\.isPrimaryKey) + keys.filter { !$0.isPrimaryKey }
    }

    /// The co-location group the new table joins, creating one (with its shard groups and
    /// placements on the local node) when no compatible group exists.
    func colocationGroup(
        for distribution: Distribution, columns: [Column], in snapshot: CatalogSnapshot, nextID: inout Int64,
        changes: inout [CatalogChange]
    ) throws -> ColocationGroup {
        let kind: ColocationGroup.Kind =
            distribution.isReference ? .reference : distribution.method == .roundRobin ? .roundRobin : .hash
        let column = distribution.column.flatMap { name in columns.first { CatalogName.equal($0.name, name) } }
        let wanted = ColocationGroup(
            id: ColocationGroupID(nextID), kind: kind, shardCount: distribution.shardCount,
            distributionAffinity: column?.affinity, distributionCollation: column?.collation)
        if let target = distribution.colocateWith {
            guard let other = snapshot.table(named: target.name.name),
                let group = snapshot.colocationGroups[other.colocationGroup]
            else { throw ShardQLError(.sqlite, "no such table: \(target.name.name)") }
            guard group.kind == .hash, kind == .hash, group.shardCount == wanted.shardCount,
                group.distributionAffinity == wanted.distributionAffinity,
                group.distributionCollation == wanted.distributionCollation
            else {
                throw ShardQLError(
                    .invalidArgument,
                    "cannot co-locate with \(other.name): co-located tables need the same shard count (\(group.shardCount)) and a distribution column with the same affinity and collation")
            }
            return group
        }
        if let existing = snapshot.colocationGroups.values.sorted(by: { $0.id < $1.id }).first(where: { group in
            group.kind == wanted.kind && group.shardCount == wanted.shardCount
                && group.distributionAffinity == wanted.distributionAffinity
                && group.distributionCollation == wanted.distributionCollation
        }) {
            return existing
        }
        nextID += 1
        let ranges = try ShardRanges(count: wanted.shardCount)
        let shardGroups = (0..<wanted.shardCount).map { index in
            ShardGroup(id: ShardGroupID(group: wanted.id, index: index), hashRange: ranges.range(ofShard: index))
        }
        let placements = shardGroups.map { Placement(shardGroup: $0.id, node: localNode) }
        changes.append(.createColocationGroup(wanted, shardGroups: shardGroups, placements: placements))
        return wanted
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
                for shard in layout.placement.allShards { try await executor.dropShard(shard) }
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
        try await runOnEveryShard([ShardStatement(sql)], shards: layout.placement.allShards)
        do {
            try await apply([.createIndex(Index(name: name, table: table.id, sql: sql, isUnique: create.unique))], plannedOn: snapshot)
        } catch {
            try? await runOnEveryShard(
                [ShardStatement("DROP INDEX IF EXISTS \(ScratchDatabase.quoted(name))")], shards: layout.placement.allShards)
            throw error
        }
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
