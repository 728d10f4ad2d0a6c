import Catalog
import ShardQLBase
import Synchronization
import Worker


/// One distributed transaction: a statement on its own, or `BEGIN … COMMIT`.
///
/// It takes each shard's write lock the first time it reads a shard to change it
/// (``lock(_:recording:)``) or writes there (``write(_:)``), always in shard order within one
/// call, and keeps the catalog changes its DDL makes in a snapshot of its own until it commits.
/// It ends one of three ways (DESIGN §6):
/// - nothing written and no catalog change: every lock is released;
/// - one shard written, no catalog change: that shard commits alone (no two-phase cost);
/// - otherwise two-phase commit with presumed abort: the participants are logged in the catalog,
///   every written shard prepares, the catalog records the decision (with the DDL's catalog
///   changes, in the same catalog transaction: the commit point), then every shard applies.
///   A crash anywhere leaves the transaction for ``Cluster/recover(scanningShards:)``.
final class ShardTransaction: Sendable {
    let id: TransactionID
    /// `BEGIN … COMMIT` rather than one statement.
    let isExplicit: Bool
    /// Every shard records its changes from the start: a transaction that may end in two phases
    /// but cannot tell which shards it will write before it writes the first.
    let recordsAlways: Bool
    let executor: PlacementExecutor

    struct Savepoint {
        var name: String
        /// What to restore on `ROLLBACK TO`: catalog changes and shard files made since.
        var catalogChangeCount: Int
        var snapshot: CatalogSnapshot
        var createdFileCount: Int
    }

    private struct State {
        /// Shards whose write lock the transaction holds, and whether it wrote there.
        var participants: [ShardFileID: Bool] = [:]
        var savepoints: [Savepoint] = []
        var catalogChanges: [CatalogChange] = []
        /// The catalog as this transaction sees it: the committed one plus its own changes.
        var snapshot: CatalogSnapshot
        /// Shard files made for tables this transaction creates: deleted again if it aborts.
        var createdFiles: [ShardFileID] = []
        /// Shard files of tables it drops: deleted once it commits.
        var filesToDelete: [ShardFileID] = []
        /// Ended (committed or rolled back): later use is a bug.
        var isFinished = false
        /// The largest key used in each table this transaction created (the catalog's key
        /// counter learns them when it commits).
        var keyFloors: [TableID: Int64] = [:]
    }

    private let state: Mutex<State>
    /// The catalog version the transaction's catalog changes were planned on.
    let baseVersion: Int64

    init(
        id: TransactionID = ShardTransaction.newID(), isExplicit: Bool, recordsAlways: Bool,
        executor: PlacementExecutor, snapshot: CatalogSnapshot
    ) {
        self.id = id
        self.isExplicit = isExplicit
        self.recordsAlways = recordsAlways || isExplicit
        self.executor = executor
        self.baseVersion = snapshot.version
        self.state = Mutex(State(snapshot: snapshot))
    }

    /// A random 128-bit id, as text.
    static func newID() -> TransactionID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return TransactionID(hex(high) + hex(low))
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    var snapshot: CatalogSnapshot { state.withLock { $0.snapshot } }
    var hasCatalogChanges: Bool { state.withLock { !$0.catalogChanges.isEmpty } }
    var participants: Set<ShardFileID> { state.withLock { Set($0.participants.keys) } }
    var savepointNames: [String] { state.withLock { $0.savepoints.map(\.name) } }

    // MARK: - Work

    /// Takes the write locks of `shards` not held yet, in shard order, so that two transactions
    /// locking overlapping sets in one call never wait for each other in a cycle.
    func lock(_ shards: [ShardFileID], recording: Bool) async throws {
        try checkOpen()
        for shard in Set(shards).sorted() { try await join(shard, recording: recording) }
    }

    /// Runs each shard's statements in the transaction; returns the outcomes in the order given.
    func write(_ work: [(shard: ShardFileID, statements: [ShardStatement])]) async throws -> [[WriteOutcome]] {
        try checkOpen()
        let written = state.withLock { state in state.participants.filter(\.value).map(\.key) }
        let targets = Set(work.map(\.shard))
        // A replicated shard always ends in two phases: its commit must be able to mark a copy
        // that missed the write inactive in the same catalog transaction as the decision.
        let recording = recordsAlways || targets.union(written).count > 1 || targets.contains(where: executor.isReplicated)
        if recording, !recordsAlways, let unrecorded = written.first(where: { !targets.contains($0) }) {
            throw ShardQLError(.internalError, "transaction \(id) wrote \(unrecorded) unrecorded and now writes another shard")
        }
        var outcomes = [[WriteOutcome]](repeating: [], count: work.count)
        // In shard order, so the write locks are taken in that order; a shard joining a
        // transaction with open savepoints gets them first, else the write itself takes the lock.
        for position in work.indices.sorted(by: { work[$0].shard < work[$1].shard }) {
            let shard = work[position].shard
            let (joined, hasSavepoints) = state.withLock { ($0.participants[shard] != nil, !$0.savepoints.isEmpty) }
            if !joined, hasSavepoints { try await join(shard, recording: recording) }
            state.withLock { $0.participants[shard] = true }
            outcomes[position] = try await executor.write(work[position].statements, on: shard, in: id, recording: recording)
        }
        return outcomes
    }

    /// Bulk-loads a batch into `shard` (see ``ShardExecutor/ingest(_:sql:on:in:recording:rejectionLimit:)``);
    /// only for a transaction that records every shard (its end may be two-phase).
    func ingest(_ batch: IngestBatch, sql: String, on shard: ShardFileID, rejectionLimit: Int) async throws
        -> IngestOutcome
    {
        try checkOpen()
        precondition(recordsAlways, "a bulk load's transaction records every shard")
        state.withLock { $0.participants[shard] = true }
        return try await executor.ingest(batch, sql: sql, on: shard, in: id, recording: true, rejectionLimit: rejectionLimit)
    }

    /// Work after the end would run outside any transaction: refused.
    private func checkOpen() throws {
        if state.withLock({ $0.isFinished }) {
            throw ShardQLError(.internalError, "transaction \(id) was used after it ended")
        }
    }

    private func join(_ shard: ShardFileID, recording: Bool) async throws {
        let (joined, savepoints) = state.withLock { state in
            (state.participants[shard] != nil, state.savepoints.map(\.name))
        }
        if joined {
            if recording { try await executor.begin(id, on: shard, recording: true) }
            return
        }
        try await executor.begin(id, on: shard, recording: recording || recordsAlways)
        state.withLock { $0.participants[shard] = false }
        // A shard joining late gets the open savepoints, so ROLLBACK TO undoes its part too.
        for name in savepoints { try await executor.savepoint(.begin(name), on: shard, in: id) }
    }

    // MARK: - Catalog

    /// Records catalog changes planned on `planned` (which must be this transaction's snapshot)
    /// for the commit; returns the snapshot after them.
    func record(_ changes: [CatalogChange], plannedOn planned: CatalogSnapshot) throws -> CatalogSnapshot {
        try state.withLock { state in
            guard planned.version == state.snapshot.version else {
                throw ShardQLError.catalogVersionConflict(expected: planned.version, actual: state.snapshot.version)
            }
            // Validate and apply locally; the store applies the same list at the commit point.
            let updated = try state.snapshot.applying(changes)
            state.catalogChanges += changes
            state.snapshot = updated
            return updated
        }
    }

    /// Remembers a new shard file, to delete if the transaction aborts.
    func created(_ shard: ShardFileID) {
        state.withLock { $0.createdFiles.append(shard) }
    }

    /// Deletes `shards` once the transaction commits (their table was dropped).
    func deleteAfterCommit(_ shards: [ShardFileID]) {
        state.withLock { $0.filesToDelete += shards }
    }

    /// Keys for a table this transaction created; see ``Cluster/insertExecution(_:into:layout:)``.
    func allocateKeys(table: TableID, count: Int) -> ClosedRange<Int64> {
        state.withLock { state in
            let first = (state.keyFloors[table] ?? 0) + 1
            state.keyFloors[table] = first + Int64(count) - 1
            return first...(first + Int64(count) - 1)
        }
    }

    func raiseKeyFloor(table: TableID, atLeast key: Int64) {
        state.withLock { state in state.keyFloors[table] = max(state.keyFloors[table] ?? 0, key) }
    }

    // MARK: - Savepoints

    func savepoint(_ name: String) async throws {
        let participants = state.withLock { state in
            state.savepoints.append(
                Savepoint(
                    name: name, catalogChangeCount: state.catalogChanges.count, snapshot: state.snapshot,
                    createdFileCount: state.createdFiles.count))
            return state.participants.keys.sorted()
        }
        for shard in participants { try await executor.savepoint(.begin(name), on: shard, in: id) }
    }

    /// `RELEASE name`; `false` when no savepoint has that name.
    func release(_ name: String) async throws -> Bool {
        let participants = state.withLock { state -> [ShardFileID]? in
            guard let index = state.savepoints.lastIndex(where: { Self.sameName($0.name, name) }) else { return nil }
            state.savepoints.removeSubrange(index...)
            return state.participants.keys.sorted()
        }
        guard let participants else { return false }
        for shard in participants { try await executor.savepoint(.release(name), on: shard, in: id) }
        return true
    }

    /// `ROLLBACK TO name`; `false` when no savepoint has that name.
    func rollback(to name: String) async throws -> Bool {
        let (participants, dropped) = state.withLock { state -> ([ShardFileID]?, [ShardFileID]) in
            guard let index = state.savepoints.lastIndex(where: { Self.sameName($0.name, name) }) else { return (nil, []) }
            let savepoint = state.savepoints[index]
            state.savepoints.removeSubrange((index + 1)...)
            state.catalogChanges.removeSubrange(savepoint.catalogChangeCount...)
            state.snapshot = savepoint.snapshot
            let dropped = Array(state.createdFiles[savepoint.createdFileCount...])
            state.createdFiles.removeSubrange(savepoint.createdFileCount...)
            for shard in dropped { state.participants[shard] = nil }
            return (state.participants.keys.sorted(), dropped)
        }
        guard let participants else { return false }
        for shard in dropped { try? await executor.dropShard(shard) }
        for shard in participants { try await executor.savepoint(.rollback(to: name), on: shard, in: id) }
        return true
    }

    /// Whether a savepoint of that name is open.
    func hasSavepoint(_ name: String) -> Bool {
        state.withLock { $0.savepoints.contains { Self.sameName($0.name, name) } }
    }

    /// SQLite compares savepoint names case-insensitively (ASCII).
    static func sameName(_ a: String, _ b: String) -> Bool {
        CatalogName.equal(a, b)
    }

    // MARK: - Ending

    /// Commits on every shard and in the catalog, or on none; returns the catalog snapshot after
    /// it. `forgetting` are finished transactions whose log records can go in the same write.
    func commit(store: any CatalogStore, owner: CoordinatorIdentity, forgetting: [String]) async throws
        -> CommitOutcome
    {
        let (written, readOnly, changes, toDelete, keyFloors) = state.withLock { state in
            state.isFinished = true
            return (
                state.participants.filter(\.value).map(\.key).sorted(),
                state.participants.filter { !$0.value }.map(\.key).sorted(), state.catalogChanges, state.filesToDelete,
                state.keyFloors
            )
        }
        // Shards only read (locked for an UPDATE that matched nothing there) just let go.
        for shard in readOnly { try? await executor.abort(id, on: shard) }
        defer { executor.forget(id) }
        if changes.isEmpty, written.count <= 1, !written.contains(where: executor.isReplicated) {
            if let shard = written.first {
                FaultInjection.reach("commit.before")
                do {
                    try await executor.commit(id, on: shard)
                } catch let error as ShardQLError where error.code == .unavailable || error.code == .timeout {
                    // The commit may have happened before the node went away (or the answer was
                    // lost): only the node knows. SQLite commits atomically, so it is all or nothing.
                    // An abort ends it if the commit never arrived (after a commit it does nothing).
                    try? await executor.abort(id, on: shard)
                    throw ShardQLError(
                        error.code,
                        "the outcome of the commit on \(shard) is unknown (the write is either wholly applied or wholly absent): \(error.message)",
                        cause: error)
                } catch {
                    try? await executor.abort(id, on: shard)
                    throw error
                }
            }
            return CommitOutcome(snapshot: nil, forgotten: [], finished: nil)
        }
        let snapshot = try await commitInTwoPhases(
            written: written, changes: changes, store: store, owner: owner, forgetting: forgetting)
        for shard in toDelete { try? await executor.dropShard(shard) }
        // After the commit point: a crash here loses only the floor of AUTOINCREMENT keys of a
        // table created in this transaction (its rows are kept).
        for (table, floor) in keyFloors { try? await store.raiseKeyFloor(table: table, atLeast: floor) }
        return CommitOutcome(snapshot: snapshot, forgotten: forgetting, finished: id.rawValue)
    }

    struct CommitOutcome {
        /// The catalog after the commit, when the transaction went through it.
        var snapshot: CatalogSnapshot?
        /// Log records deleted on the way.
        var forgotten: [String]
        /// This transaction's log record, now only waiting to be forgotten.
        var finished: String?
    }

    private func commitInTwoPhases(
        written: [ShardFileID], changes: [CatalogChange], store: any CatalogStore, owner: CoordinatorIdentity,
        forgetting: [String]
    ) async throws -> CatalogSnapshot {
        let record = TransactionRecord(
            id: id.rawValue, state: .pending,
            participants: written.map { ShardGroupID(group: ColocationGroupID($0.group), index: $0.index) },
            owner: owner.text, startedAt: WallClock.milliseconds())
        do {
            try await store.logTransaction(record, forgetting: forgetting)
        } catch {
            for shard in written { try? await executor.abort(id, on: shard) }
            throw error
        }
        FaultInjection.reach("log.after")
        // Phase one, on every written shard at once.
        var prepared: [ShardFileID] = []
        do {
            prepared = try await withThrowingTaskGroup(of: (ShardFileID, Bool).self) { group in
                for (index, shard) in written.enumerated() {
                    group.addTask {
                        FaultInjection.reach("prepare.before", index)
                        let changed = try await self.executor.prepare(self.id, on: shard)
                        FaultInjection.reach("prepare.after", index)
                        return (shard, changed)
                    }
                }
                var prepared: [ShardFileID] = []
                for try await (shard, changed) in group where changed { prepared.append(shard) }
                return prepared.sorted()
            }
        } catch {
            try await abortPrepared(written, store: store)
            throw error
        }
        FaultInjection.reach("decision.before")
        // Copies that missed a write become inactive at the commit point, with the decision; the
        // schema's own changes still need the catalog they were planned on.
        let lost = inactive(executor.lostCopies(of: id))
        let decision: (state: TransactionRecord.State, snapshot: CatalogSnapshot)
        do {
            decision = try await store.decide(
                id.rawValue, commit: true, applying: changes + lost, expectedVersion: changes.isEmpty ? nil : baseVersion)
        } catch let error as ShardQLError where error.isCatalogVersionConflict {
            try await abortPrepared(written, store: store)
            throw ShardQLError(
                .sqlite, "the transaction was rolled back: another coordinator changed the schema meanwhile", cause: error)
        }
        // Any other failure here leaves the outcome to recovery: the decision may or may not be stored.
        guard decision.state == .committed else {
            try await abortPrepared(written, store: store)
            throw ShardQLError(.sqlite, "the transaction was rolled back by recovery before it could commit")
        }
        FaultInjection.reach("decision.after")
        // Phase two. The decision stands: a shard that fails here keeps its prepared record (and
        // the log its record) until recovery applies it.
        let failures = await withTaskGroup(of: (ShardFileID, (any Error)?).self) { group in
            for (index, shard) in prepared.enumerated() {
                group.addTask {
                    FaultInjection.reach("apply.before", index)
                    do {
                        try await self.executor.commitPrepared(self.id, on: shard)
                    } catch {
                        return (shard, error)
                    }
                    FaultInjection.reach("apply.after", index)
                    return (shard, nil)
                }
            }
            var failures: [(ShardFileID, any Error)] = []
            for await (shard, error) in group { if let error { failures.append((shard, error)) } }
            return failures
        }
        // A copy that failed to apply while another did is lost now: inactive before the commit
        // returns, so no read goes there (it keeps the prepared record until it is repaired).
        let lostInPhaseTwo = inactive(executor.lostCopies(of: id)).filter { !lost.contains($0) }
        var snapshot = decision.snapshot
        if !lostInPhaseTwo.isEmpty {
            do {
                snapshot = try await store.apply(lostInPhaseTwo, expectedVersion: nil)
            } catch {
                throw ShardQLError(
                    .io,
                    "transaction \(id) committed, but a copy that missed it could not be marked inactive: \(error); run `shardql recover`",
                    cause: error)
            }
        }
        if let (shard, error) = failures.first {
            throw ShardQLError(
                .io,
                "transaction \(id) committed, but applying it on \(shard) failed: \(error); it is applied when `shardql recover` runs (the shard refuses writes until then)")
        }
        FaultInjection.reach("forget.before")
        return snapshot
    }

    /// Catalog changes marking `copies` inactive.
    private func inactive(_ copies: [PlacementExecutor.Copy]) -> [CatalogChange] {
        let snapshot = state.withLock { $0.snapshot }
        return copies.sorted { ($0.shard, $0.address) < ($1.shard, $1.address) }.compactMap { $0.inactivation(in: snapshot) }
    }

    /// Aborts on every shard (prepared or not), then records the abort and forgets the record.
    private func abortPrepared(_ shards: [ShardFileID], store: any CatalogStore) async throws {
        _ = try? await store.decide(id.rawValue, commit: false, applying: [], expectedVersion: nil)
        for shard in shards { try? await executor.abort(id, on: shard) }
        try? await store.forgetTransactions([id.rawValue])
    }

    /// Rolls back on every shard and deletes the shard files the transaction made.
    func rollback() async {
        defer { executor.forget(id) }
        let (participants, created) = state.withLock { state in
            state.isFinished = true
            return (state.participants.keys.sorted(), state.createdFiles)
        }
        for shard in participants { try? await executor.abort(id, on: shard) }
        for shard in created { try? await executor.dropShard(shard) }
    }
}
