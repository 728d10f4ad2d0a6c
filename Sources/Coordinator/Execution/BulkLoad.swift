import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase
import Synchronization
import Worker

/// One bulk load into one table (`shardql import`, `.import`): the importer routes each row to a
/// shard with ``shardIndex(key:rowID:)`` and hands each shard its batches
/// (``write(_:toShard:rejectionLimit:)``, one batch in flight per shard at a time, any shards at
/// once); ``commit()`` makes every row visible at once, ``abort()`` none.
///
/// All or nothing, two ways:
/// - **A new table that needs a new co-location group** (`--create`, placed as `CREATE TABLE`
///   places it — the first table of its shard count and key type, or the first reference table): its shard files are new, so rows are
///   written into them directly, each shard in one local transaction, with no second copy. The
///   files are named by reserved IDs nobody else uses, and the transaction log names them before
///   the first is made, so a crash leaves a pending record that recovery ends by deleting them.
///   The catalog change publishing group and table is the commit point (``CatalogStore/decide(_:commit:applying:expectedVersion:)``).
/// - **Anything else** (an append, or a new table joining an existing group): a
///   ``ShardTransaction`` holding every shard's write lock, recording the rows, committed in two
///   phases (one for a single shard).
package final class BulkLoad: Sendable {
    /// The table's name as the catalog spells it.
    package let tableName: String
    /// The table's columns the loaded values go to, in the order values are given.
    package let columnNames: [String]
    /// The INTEGER PRIMARY KEY among ``columnNames``, if loaded: a NULL there gets the next rowid.
    package let rowIDAliasColumn: Int?
    /// Each batch row starts with the row's rowid (``RowIDs/next(explicit:)``), before the loaded
    /// values: a rowid table whose key is not loaded gets cluster-unique rowids, as an INSERT does.
    package let leadsWithRowID: Bool
    /// The loaded value that decides the shard (``shardIndex(key:rowID:)``); `nil` when the rowid
    /// (round-robin, or a generated INTEGER PRIMARY KEY) or nothing does.
    package let keyColumn: Int?
    package let shards: [ShardFileID]
    /// The largest rowid in the table before the load (rowids continue from it).
    package let rowIDFloor: Int64
    /// Whether the table is new (created by this load).
    package let creates: Bool

    private let sql: String
    private let placement: TableLayout.Placement
    /// The distribution column is the INTEGER PRIMARY KEY, generated here.
    private let keyIsRowID: Bool
    private let keyAffinity: Affinity
    private let keyCollation: Collation
    private let ranges: ShardRanges?
    private let autoincrementTable: TableID?
    private let cluster: Cluster
    private let mode: Mode
    private let finished = Mutex(false)

    fileprivate enum Mode {
        /// New files: the log's record id, and the catalog changes that publish them.
        case newGroup(TransactionID, [CatalogChange])
        case transaction(ShardTransaction)
    }

    /// Values per batch row.
    package var batchColumnCount: Int { columnNames.count + (leadsWithRowID ? 1 : 0) }

    fileprivate init(
        cluster: Cluster, layout: TableLayout, columns: [Int], createSQLTable: Bool, mode: Mode, rowIDFloor: Int64,
        autoincrementTable: TableID?
    ) throws {
        self.cluster = cluster
        self.tableName = layout.name
        self.columnNames = columns.map { layout.columns[$0].name }
        self.rowIDAliasColumn = layout.rowIDAlias.flatMap { columns.firstIndex(of: $0) }
        self.leadsWithRowID = layout.hasRowID && rowIDAliasColumn == nil
        self.shards = layout.placement.allShards
        self.placement = layout.placement
        self.rowIDFloor = rowIDFloor
        self.creates = createSQLTable
        self.mode = mode
        self.autoincrementTable = autoincrementTable
        let rowIDName = layout.rowIDAlias.map { layout.columns[$0].name } ?? "rowid"
        let names = (leadsWithRowID ? [rowIDName] : []) + columnNames
        sql = "INSERT INTO \(ScratchDatabase.quoted(layout.name)) ("
            + names.map(ScratchDatabase.quoted).joined(separator: ", ") + ") VALUES ("
            + names.map { _ in "?" }.joined(separator: ", ") + ")"
        if case .hash(let column, let shards) = layout.placement {
            keyColumn = columns.firstIndex(of: column)
            // An INTEGER PRIMARY KEY the file does not give is generated: the rowid is the key.
            keyIsRowID = keyColumn == nil && column == layout.rowIDAlias
            guard keyColumn != nil || keyIsRowID else {
                throw ShardQLError(
                    .invalidArgument,
                    "the distribution column \(layout.columns[column].name) of \(layout.name) is not among the loaded columns")
            }
            keyAffinity = layout.columns[column].affinity
            keyCollation = layout.columns[column].collation
            ranges = try ShardRanges(count: shards.count)
        } else {
            keyColumn = nil
            keyIsRowID = false
            keyAffinity = .blob
            keyCollation = .binary
            ranges = nil
        }
    }

    /// The shard (an index into ``shards``) of a row whose ``keyColumn`` value is `key` (before
    /// the column's affinity: it is applied here, as for an INSERT) and whose rowid is `rowID`.
    package func shardIndex(key: SQLValue, rowID: Int64?) throws -> Int {
        switch placement {
        case .reference: return 0
        case .roundRobin(let shards): return Int(UInt64(bitPattern: rowID ?? 0) % UInt64(shards.count))
        case .hash:
            let value = keyIsRowID ? SQLValue.integer(rowID ?? 0) : keyAffinity.apply(to: key)
            let hash = DistributionHash.hash(value, collation: keyCollation)
            return try ranges!.shardIndex(forHash: hash)
        }
    }

    /// Assigns rowids as SQLite does for rows that give none: one more than the largest so far,
    /// explicit keys included.
    package struct RowIDs: Sendable {
        package private(set) var largest: Int64

        /// The row's rowid: `explicit` (an INTEGER PRIMARY KEY value) when it is an integer after
        /// INTEGER affinity, else the next one.
        package mutating func next(explicit: SQLValue? = nil) throws -> Int64 {
            if let explicit, case .integer(let key) = Affinity.integer.apply(to: explicit) {
                largest = max(largest, key)
                return key
            }
            guard largest < Int64.max else {
                throw ShardQLError(.sqlite, "database or disk is full", sqliteResultCode: 13)
            }
            largest += 1
            return largest
        }
    }

    package func rowIDs() -> RowIDs { RowIDs(largest: rowIDFloor) }

    /// Inserts a batch (rows of ``batchColumnCount`` values) into shard `index`; see
    /// ``ShardExecutor/ingest(_:sql:on:in:recording:rejectionLimit:)`` for what is refused.
    package func write(_ batch: IngestBatch, toShard index: Int, rejectionLimit: Int) async throws -> IngestOutcome {
        precondition(batch.columnCount == batchColumnCount, "a batch of \(batch.columnCount) columns for \(batchColumnCount)")
        let shard = shards[index]
        switch mode {
        case .newGroup(let id, _):
            return try await cluster.executor.ingest(
                batch, sql: sql, on: shard, in: id, recording: false, rejectionLimit: rejectionLimit)
        case .transaction(let transaction):
            return try await transaction.ingest(batch, sql: sql, on: shard, rejectionLimit: rejectionLimit)
        }
    }

    /// Makes the load visible: every row, or (on a throw) none. `largestRowID` is the last
    /// rowid used (an AUTOINCREMENT table's counter is raised to it).
    package func commit(largestRowID: Int64) async throws {
        try finish()
        let store = cluster.store
        switch mode {
        case .newGroup(let id, let changes):
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for shard in shards { group.addTask { try await self.cluster.executor.commit(id, on: shard) } }
                    try await group.waitForAll()
                }
                // A new table is whole on every copy or not made: a copy that failed fails the import.
                if let lost = cluster.executor.lostCopies(of: id).first {
                    throw ShardQLError(
                        .unavailable, "the import could not write every copy of the new table: \(lost.shard) on node \(lost.address) failed")
                }
                FaultInjection.reach("import.decide.before")
                // Planned on an older catalog maybe, but self-contained: reserved IDs and a name
                // the store checks again.
                let decision = try await store.decide(id.rawValue, commit: true, applying: changes, expectedVersion: nil)
                guard decision.state == .committed else {
                    throw ShardQLError(.sqlite, "the import was rolled back by recovery before it could commit")
                }
                cluster.adopt(decision.snapshot)
            } catch {
                await dropNewGroup(id)
                throw error
            }
            FaultInjection.reach("import.decide.after")
            cluster.executor.forget(id)
            try? await store.forgetTransactions([id.rawValue])
        case .transaction(let transaction):
            try await cluster.commit(transaction)
        }
        if let table = autoincrementTable, largestRowID > rowIDFloor {
            try? await store.raiseKeyFloor(table: table, atLeast: largestRowID)
        }
    }

    /// Undoes everything the load did.
    package func abort() async {
        guard (try? finish()) != nil else { return }
        switch mode {
        case .newGroup(let id, _): await dropNewGroup(id)
        case .transaction(let transaction): await transaction.rollback()
        }
    }

    private func finish() throws {
        try finished.withLock { finished in
            guard !finished else { throw ShardQLError(.internalError, "the load into \(tableName) already ended") }
            finished = true
        }
    }

    private func dropNewGroup(_ id: TransactionID) async {
        for shard in shards {
            try? await cluster.executor.abort(id, on: shard)
            try? await cluster.executor.dropShard(shard)
        }
        cluster.executor.forget(id)
        let store = cluster.store
        _ = try? await store.decide(id.rawValue, commit: false, applying: [], expectedVersion: nil)
        try? await store.forgetTransactions([id.rawValue])
    }
}

extension Cluster {
    /// Starts a bulk load into `table`, created first from `create` when given (placed as
    /// `CREATE TABLE` would place it: only a table needing a new co-location group gets the
    /// direct write into new files).
    ///
    /// `columns` names the table columns the loaded values go to, in order; `nil`: every stored
    /// column in the table's order.
    package func beginBulkLoad(into table: String, columns: [String]?, creating create: CreateTable?) async throws
        -> BulkLoad
    {
        guard transaction == nil else {
            throw ShardQLError(.sqlite, "cannot import within a transaction")
        }
        try await refreshCatalogIfChanged()
        let snapshot = shared.cachedSnapshot.withLock { $0 }
        if let create {
            return try await beginBulkLoad(creating: create, columns: columns, in: snapshot)
        }
        guard let existing = snapshot.table(named: table) else {
            if snapshot.view(named: table) != nil { throw ShardQLError(.sqlite, "cannot import into view \(table)") }
            throw ShardQLError(.sqlite, "no such table: \(table)")
        }
        let layout = try layout(of: existing, in: snapshot)
        let transaction = ShardTransaction(isExplicit: false, recordsAlways: true, executor: executor, snapshot: snapshot)
        do {
            try await transaction.lock(layout.placement.allShards, recording: true)
            // Read under the write locks: nobody adds rows until the load ends.
            var floor = layout.hasRowID ? try await largestRowID(of: layout) : 0
            if layout.autoincrement {
                floor = max(floor, try await store.allocateKeys(table: existing.id, count: 1).lowerBound)
            }
            return try BulkLoad(
                cluster: self, layout: layout, columns: try loadedColumns(columns, of: layout), createSQLTable: false,
                mode: .transaction(transaction), rowIDFloor: floor,
                autoincrementTable: layout.autoincrement ? existing.id : nil)
        } catch {
            await transaction.rollback()
            throw error
        }
    }

    private func beginBulkLoad(creating create: CreateTable, columns: [String]?, in snapshot: CatalogSnapshot)
        async throws -> BulkLoad
    {
        let name = create.name.name.name
        if snapshot.table(named: name) != nil || snapshot.view(named: name) != nil {
            throw ShardQLError(.sqlite, "table \(name) already exists")
        }
        // Placed exactly as CREATE TABLE places it (joining a compatible group, or the reference
        // group), so co-located joins work the same whichever made the table.
        let plan = try await planCreateTable(create, in: snapshot, joiningExistingGroups: true)
        let updated = try snapshot.applying(plan.changes)
        guard let table = updated.table(named: name) else {
            throw ShardQLError(.internalError, "planning \(name) made no table")
        }
        let layout = try layout(of: table, in: updated)
        let loaded = try loadedColumns(columns, of: layout)
        let autoincrement = layout.autoincrement ? table.id : nil
        guard plan.createsGroup else {
            // Joining a co-located group: its files hold other tables' rows, so the usual
            // transaction, with the table created in it.
            let transaction = ShardTransaction(isExplicit: false, recordsAlways: true, executor: executor, snapshot: snapshot)
            do {
                try await transaction.lock(plan.shards, recording: true)
                _ = try await transaction.write(plan.shards.map { (shard: $0, statements: [ShardStatement(plan.createSQL)]) })
                _ = try transaction.record(plan.changes, plannedOn: snapshot)
                return try BulkLoad(
                    cluster: self, layout: layout, columns: loaded, createSQLTable: true, mode: .transaction(transaction),
                    rowIDFloor: 0, autoincrementTable: autoincrement)
            } catch {
                await transaction.rollback()
                throw error
            }
        }
        // The log names the files before the first exists: recovery deletes them if this
        // coordinator dies before the catalog publishes them.
        let id = ShardTransaction.newID()
        let forgetting = shared.finishedTransactions.withLock { $0 }
        try await store.logTransaction(
            TransactionRecord(
                id: id.rawValue, state: .pending,
                participants: plan.shards.map { ShardGroupID(group: ColocationGroupID($0.group), index: $0.index) },
                owner: identity.text, startedAt: WallClock.milliseconds()),
            forgetting: forgetting)
        shared.finishedTransactions.withLock { $0.removeAll { forgetting.contains($0) } }
        let load = try BulkLoad(
            cluster: self, layout: layout, columns: loaded, createSQLTable: true, mode: .newGroup(id, plan.changes),
            rowIDFloor: 0, autoincrementTable: autoincrement)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for shard in plan.shards {
                    group.addTask {
                        try await self.executor.createShard(shard)
                        _ = try await self.executor.write(
                            [ShardStatement(plan.createSQL)], on: shard, in: id, recording: false)
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            await load.abort()
            throw error
        }
        return load
    }

    /// The columns of table `name`, in order (for matching an input's header to them).
    package func columnNames(ofTable name: String) throws -> [String] {
        let snapshot = self.snapshot
        guard let table = snapshot.table(named: name) else { throw ShardQLError(.sqlite, "no such table: \(name)") }
        return try layout(of: table, in: snapshot).columns.map(\.name)
    }

    /// The table columns values are loaded into: `names` (each a column, none twice), or every
    /// stored (not generated) column.
    private func loadedColumns(_ names: [String]?, of layout: TableLayout) throws -> [Int] {
        guard let names else { return layout.columns.indices.filter { !layout.columns[$0].isGenerated } }
        var seen = Set<Int>()
        return try names.map { name in
            guard let index = layout.columnIndex(named: name) else {
                throw ShardQLError(.sqlite, "table \(layout.name) has no column named \(name)")
            }
            guard !layout.columns[index].isGenerated else {
                throw ShardQLError(.sqlite, "cannot load into generated column \"\(layout.columns[index].name)\"")
            }
            guard seen.insert(index).inserted else {
                throw ShardQLError(.invalidArgument, "column \(layout.columns[index].name) is named twice")
            }
            return index
        }
    }
}
