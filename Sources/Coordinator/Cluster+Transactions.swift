import Catalog
import SQLSyntax
import ShardQLBase
import Worker

extension Cluster {
    /// The transaction a statement runs in while it runs: its own, or the session's explicit one.
    /// Task-local, so queries running beside a write on other tasks never see its uncommitted state.
    @TaskLocal static var statementTransaction: ShardTransaction?

    /// Where a query under `PRAGMA shardql.partial_results = on` notes the shards it answered
    /// without; nil otherwise (and for every statement that writes).
    @TaskLocal static var queryUnavailableShards: UnavailableShards?

    /// The transaction the caller's statement belongs to, if any.
    var transaction: ShardTransaction? {
        Self.statementTransaction ?? explicitTransaction.withLock { $0 }
    }

    /// The executor reads go through: inside a transaction they see its own changes on the shards
    /// it holds (DESIGN §6: read your own writes); a query under `PRAGMA shardql.partial_results`
    /// skips the shards no copy of which can be reached (``StatementReads``).
    var shards: any ShardExecutor {
        let (transaction, unavailable) = (self.transaction?.id, Self.queryUnavailableShards)
        guard transaction != nil || unavailable != nil else { return executor }
        return StatementReads(base: executor, transaction: transaction, unavailable: unavailable)
    }

    /// The transaction a write must go through; every write statement runs inside one.
    func requireTransaction() throws -> ShardTransaction {
        guard let transaction else {
            throw ShardQLError(.internalError, "a write ran outside a transaction")
        }
        return transaction
    }

    /// Runs a statement that changes the cluster: transaction control itself, or any other
    /// statement inside the session's `BEGIN … COMMIT` (undone alone if it fails, as in SQLite),
    /// or else inside a transaction of its own that commits when it succeeds.
    func runInTransaction(_ statement: Statement, _ body: @Sendable () async throws -> StatementResult) async throws
        -> StatementResult
    {
        if let explicit = explicitTransaction.withLock({ $0 }) {
            try await explicit.savepoint(Self.statementSavepoint)
            do {
                let result = try await Self.$statementTransaction.withValue(explicit) { try await body() }
                _ = try await explicit.release(Self.statementSavepoint)
                return result
            } catch {
                if (try? await explicit.rollback(to: Self.statementSavepoint)) == true {
                    _ = try? await explicit.release(Self.statementSavepoint)
                } else {
                    // The shards could not undo the statement alone: the transaction is lost.
                    explicitTransaction.withLock { $0 = nil }
                    await explicit.rollback()
                }
                throw error
            }
        }
        let isDML: Bool
        switch statement.kind {
        case .insert, .update, .delete: isDML = true
        default: isDML = false
        }
        // DDL records from the start: its catalog change commits with the shards, in two phases.
        let own = ShardTransaction(
            isExplicit: false, recordsAlways: !isDML, executor: executor, snapshot: shared.cachedSnapshot.withLock { $0 })
        let result: StatementResult
        do {
            result = try await Self.$statementTransaction.withValue(own) { try await body() }
        } catch {
            await own.rollback()
            throw error
        }
        try await commit(own)
        return result
    }

    /// The savepoint around each statement of an explicit transaction.
    static let statementSavepoint = "_shardql_statement"

    /// `BEGIN`, `COMMIT`/`END`, `ROLLBACK [TO]`, `SAVEPOINT`, `RELEASE`, with SQLite's rules and
    /// messages.
    func transactionControl(_ statement: Statement) async throws {
        let open = explicitTransaction.withLock { $0 }
        switch statement.kind {
        case .begin:
            guard open == nil else { throw ShardQLError(.sqlite, "cannot start a transaction within a transaction") }
            startExplicitTransaction()
        case .commit:
            guard let open else { throw ShardQLError(.sqlite, "cannot commit - no transaction is active") }
            explicitTransaction.withLock { $0 = nil }
            try await commit(open)
        case .rollback(toSavepoint: nil):
            guard let open else { throw ShardQLError(.sqlite, "cannot rollback - no transaction is active") }
            explicitTransaction.withLock { $0 = nil }
            await open.rollback()
        case .rollback(toSavepoint: let name?):
            guard let open, try await open.rollback(to: name.name) else {
                throw ShardQLError(.sqlite, "no such savepoint: \(name.name)")
            }
        case .savepoint(let name):
            // Outside a transaction, SAVEPOINT starts one that its RELEASE commits.
            let transaction = open ?? startExplicitTransaction(bySavepoint: name.name)
            try await transaction.savepoint(name.name)
        case .release(let name):
            guard let open, open.hasSavepoint(name.name) else {
                throw ShardQLError(.sqlite, "no such savepoint: \(name.name)")
            }
            let names = open.savepointNames
            let outermost = names.firstIndex { ShardTransaction.sameName($0, name.name) } == 0
            if outermost, explicitStartedBySavepoint.withLock({ $0 }) {
                explicitTransaction.withLock { $0 = nil }
                try await commit(open)
            } else {
                _ = try await open.release(name.name)
            }
        default:
            throw ShardQLError(.internalError, "not a transaction statement")
        }
    }

    @discardableResult
    private func startExplicitTransaction(bySavepoint savepoint: String? = nil) -> ShardTransaction {
        let transaction = ShardTransaction(
            isExplicit: true, recordsAlways: true, executor: executor, snapshot: shared.cachedSnapshot.withLock { $0 })
        explicitTransaction.withLock { $0 = transaction }
        explicitStartedBySavepoint.withLock { $0 = savepoint != nil }
        return transaction
    }

    /// Commits `transaction`; the catalog it committed becomes the cluster's.
    func commit(_ transaction: ShardTransaction) async throws {
        let forgetting = shared.finishedTransactions.withLock { $0 }
        do {
            let outcome = try await transaction.commit(store: store, owner: identity, forgetting: forgetting)
            if let snapshot = outcome.snapshot { adopt(snapshot) }
            shared.finishedTransactions.withLock { finished in
                finished.removeAll { outcome.forgotten.contains($0) }
                if let id = outcome.finished { finished.append(id) }
            }
        } catch {
            // The catalog may have moved (a decision stored before a later step failed).
            if let snapshot = try? await store.snapshot() { adopt(snapshot) }
            throw error
        }
    }

    /// Deletes the log records of transactions this cluster finished (they are only kept until
    /// the next write to the log).
    func forgetFinishedTransactions() async {
        let finished = shared.finishedTransactions.withLock { $0 }
        guard !finished.isEmpty, (try? await store.forgetTransactions(finished)) != nil else { return }
        shared.finishedTransactions.withLock { $0.removeAll { finished.contains($0) } }
    }

    // MARK: - Recovery

    /// What ``recover(scanningShards:)`` did.
    public struct RecoveryReport: Sendable, Hashable {
        /// Transactions finished by applying their changes (the decision was commit).
        public var committed: [String] = []
        /// Transactions rolled back (no commit decision: presumed abort).
        public var aborted: [String] = []
        /// Transactions left alone because their coordinator may still be running.
        public var skipped: [String] = []
    }

    /// Finishes every transaction left in doubt by a coordinator that is gone: one the log says
    /// committed is applied on every participant; any other is aborted (presumed abort) and its
    /// prepared records deleted. Runs when a cluster opens; `shardql recover` runs it on demand,
    /// also looking in every shard file for prepared records the log does not know
    /// (`scanningShards`), which are aborted too.
    @discardableResult
    public func recover(scanningShards: Bool = false) async throws -> RecoveryReport {
        try await writes.withLock { try await recoverLocked(scanningShards: scanningShards) }
    }

    func recoverLocked(scanningShards: Bool) async throws -> RecoveryReport {
        var report = RecoveryReport()
        let records = try await store.transactions()
        let catalog = try await store.snapshot()
        var known = Set<String>()
        for record in records {
            known.insert(record.id)
            // A running coordinator finishes (and forgets) its own transactions.
            let owner = CoordinatorIdentity(text: record.owner)
            if owner != identity, owner?.mayBeAlive ?? false {
                report.skipped.append(record.id)
                continue
            }
            var state = record.state
            if state == .pending {
                state = try await store.decide(record.id, commit: false, applying: [], expectedVersion: nil).state
            }
            let id = TransactionID(record.id)
            for participant in record.participants {
                let shard = ShardFileID(group: participant.group.rawValue, index: participant.index)
                if state == .committed {
                    try await executor.commitPrepared(id, on: shard)
                } else {
                    try await executor.abort(id, on: shard)
                    // A file of a group the catalog never published was made by this transaction
                    // (a bulk load's new table): group IDs are reserved, never reused.
                    if catalog.colocationGroups[participant.group] == nil { try await executor.dropShard(shard) }
                }
            }
            // A copy that could not apply a committed transaction is stale: inactive before the
            // record goes, so nothing reads it until it is repaired.
            let lost = executor.lostCopies(of: id).compactMap { $0.inactivation(in: catalog) }
            executor.forget(id)
            if !lost.isEmpty { _ = try await store.apply(lost, expectedVersion: nil) }
            try await store.forgetTransactions([record.id])
            if state == .committed { report.committed.append(record.id) } else { report.aborted.append(record.id) }
        }
        shared.finishedTransactions.withLock { $0.removeAll { known.contains($0) } }
        if scanningShards {
            for shard in try allShards(in: shared.cachedSnapshot.withLock { $0 }) {
                for id in try await executor.preparedTransactions(on: shard) where !known.contains(id.rawValue) {
                    try await executor.abort(id, on: shard)
                    if !report.aborted.contains(id.rawValue) { report.aborted.append(id.rawValue) }
                }
            }
        }
        if !report.committed.isEmpty, let snapshot = try? await store.snapshot() { adopt(snapshot) }
        return report
    }
}
