import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase
import Worker

extension Cluster {
    /// Triggers run on the shards, beside the rows that fire them, so a trigger may only touch
    /// its own table and tables co-located with it (DESIGN §3); anything else is refused.
    func createTrigger(_ create: CreateTrigger) async throws {
        let snapshot = self.snapshot
        let name = create.name.name.name
        if snapshot.trigger(named: name) != nil {
            if create.ifNotExists { return }
            throw ShardQLError(.sqlite, "trigger \(name) already exists")
        }
        guard !create.temporary else {
            throw ShardQLError(.unsupported, "TEMP triggers are not supported by the embedded engine yet")
        }
        guard let table = snapshot.table(named: create.table.name.name) else {
            if snapshot.view(named: create.table.name.name) != nil {
                throw ShardQLError(.unsupported, "triggers on views are not supported by the embedded engine yet")
            }
            throw ShardQLError(.sqlite, "no such table: main.\(create.table.name.name)")
        }
        var touched = Set<String>()
        for statement in create.body { touched.formUnion(ReferencedTables(statement).names) }
        if let when = create.when {
            touched.formUnion(ReferencedTables(Select(body: SelectBody(first: .select(SelectClause(columns: [.expr(when, alias: nil)]))))).names)
        }
        for other in touched.sorted() {
            guard let otherTable = snapshot.table(named: other) else {
                throw ShardQLError(.sqlite, "no such table: \(other)")
            }
            guard otherTable.colocationGroup == table.colocationGroup else {
                throw ShardQLError(
                    .unsupported,
                    "trigger \(name) on \(table.name) touches \(otherTable.name), which is not co-located with \(table.name): a trigger runs on each shard and may only touch its own table and tables co-located with it")
            }
        }
        var onShard = create
        onShard.ifNotExists = false
        onShard.name = QualifiedName(name: create.name.name)
        let sql = SQLPrinter.print(Statement(.createTrigger(onShard)))
        try await self.create(
            sql, on: try layout(of: table, in: snapshot).placement.allShards,
            recording: .createTrigger(Trigger(name: name, table: table.id, sql: sql)), plannedOn: snapshot)
    }

    func dropTrigger(named name: String, ifExists: Bool) async throws {
        let snapshot = self.snapshot
        guard let trigger = snapshot.trigger(named: name), let table = snapshot.table(trigger.table) else {
            if ifExists { return }
            throw ShardQLError(.sqlite, "no such trigger: \(name)")
        }
        let shards = try layout(of: table, in: snapshot).placement.allShards
        try await runOnEveryShard([ShardStatement("DROP TRIGGER \(ScratchDatabase.quoted(trigger.name))")], shards: shards)
        try await apply([.dropTrigger(name: trigger.name)], plannedOn: snapshot)
    }

    /// `REINDEX` / `ANALYZE` [name]: on the shards of the named table or index, or on all.
    func runMaintenance(_ verb: String, target: QualifiedName?) async throws {
        let snapshot = self.snapshot
        var shards: [ShardFileID] = []
        if let target {
            let name = target.name.name
            let table = snapshot.table(named: name) ?? snapshot.index(named: name).flatMap { snapshot.table($0.table) }
            guard let table else {
                if verb == "REINDEX", Collation(name: name) != nil {
                    shards = try allShards(in: snapshot)
                } else {
                    throw ShardQLError(.sqlite, verb == "REINDEX" ? "unable to identify the object to be reindexed" : "no such table: \(name)")
                }
                try await runOnEachShardAlone(ShardStatement("\(verb) \(name)"), shards: shards)
                return
            }
            shards = try layout(of: table, in: snapshot).placement.allShards
            try await runOnEachShardAlone(ShardStatement("\(verb) \(ScratchDatabase.quoted(name))"), shards: shards)
        } else {
            try await runOnEachShardAlone(ShardStatement(verb), shards: try allShards(in: snapshot))
        }
    }

    /// `ANALYZE` and `REINDEX` change no rows and may be repeated, so outside `BEGIN … COMMIT` each
    /// shard commits on its own, in one phase: a prepared record could not carry what `ANALYZE`
    /// writes (`sqlite_stat1` rows are invisible to the change capture).
    private func runOnEachShardAlone(_ statement: ShardStatement, shards: [ShardFileID]) async throws {
        guard explicitTransaction.withLock({ $0 }) == nil else {
            return try await runOnEveryShard([statement], shards: shards)
        }
        for shard in shards {
            let alone = ShardTransaction(
                isExplicit: false, recordsAlways: false, executor: executor, snapshot: shared.cachedSnapshot.withLock { $0 })
            do {
                _ = try await alone.write([(shard: shard, statements: [statement])])
                _ = try await alone.commit(store: store, owner: identity, forgetting: [])
            } catch {
                await alone.rollback()
                throw error
            }
        }
    }

    func allShards(in snapshot: CatalogSnapshot) throws -> [ShardFileID] {
        snapshot.colocationGroups.values.sorted { $0.id < $1.id }.flatMap { group in
            (0..<group.shardCount).map { ShardFileID(group: group.id.rawValue, index: $0) }
        }
    }
}
